// What the client knows about a cluster: brokers, topics, partitions and their leaders. Plain
// values, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace cairn {

struct broker_info {
  std::int32_t node_id = -1;
  std::string host;
  std::uint16_t port = 0;
};

struct partition_info {
  std::int32_t partition = 0;
  std::error_code error;
  std::int32_t leader = -1;  // node id; -1 while there is none
  std::int64_t log_start_offset = -1;
  std::int64_t high_watermark = -1;
  std::int64_t log_end_offset = -1;
};

struct topic_info {
  std::string name;
  std::error_code error;  // protocol::errc::unknown_topic for a topic that does not exist
  std::vector<partition_info> partitions;
};

struct cluster_info {
  std::string cluster_id;
  std::vector<broker_info> brokers;
  std::vector<topic_info> topics;
};

}  // namespace cairn
