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
  std::string host{};
  std::uint16_t port = 0;
};

// One replica's progress as the partition's leader sees it.
struct replica_status {
  std::int32_t node_id = -1;
  std::int64_t match_end = -1;  // durable on the replica and equal to the leader's below it
  std::int64_t lag = -1;        // the leader's log end minus match_end
  bool in_sync = false;
};

struct partition_info {
  std::int32_t partition = 0;
  std::error_code error{};   // e.g. protocol::errc::leader_not_available during an election
  std::int32_t leader = -1;  // node id; -1 while there is none
  std::int64_t log_start_offset = -1;
  std::int64_t high_watermark = -1;
  std::int64_t log_end_offset = -1;
  std::int32_t leader_epoch = -1;
  std::vector<std::int32_t> replicas{};  // node ids, the preferred leader first
  std::vector<std::int32_t> in_sync_replicas{};
  std::vector<replica_status> replica_states{};  // empty when the broker had no report from the
                                                 // leader (Metadata may leave it out)
};

struct topic_info {
  std::string name{};
  std::error_code error{};  // protocol::errc::unknown_topic for a topic that does not exist
  std::vector<partition_info> partitions{};
};

struct cluster_info {
  std::string cluster_id{};
  std::int32_t controller_id = -1;  // the broker that takes topic changes; -1: none right now
  std::vector<broker_info> brokers{};
  std::vector<topic_info> topics{};
};

}  // namespace cairn
