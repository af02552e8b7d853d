// cairn::admin: create, delete, list and describe topics over a cairn::client.
#pragma once

#include "cairn/client.h"

namespace cairn {

enum class cleanup_policy { remove, compact };

struct topic_settings {
  std::int32_t partitions = -1;          // -1: the broker's default
  std::int16_t replication_factor = -1;  // -1: the broker's default
  std::int64_t retention_ms = 604'800'000;
  std::int64_t retention_bytes = -1;
  cleanup_policy cleanup = cleanup_policy::remove;
};

struct topic_listing {
  std::string name;
  std::int32_t partitions = 0;
  bool internal = false;
};

struct topic_description {
  std::string name;
  topic_settings settings;  // effective values
  std::vector<partition_info> partitions;
};

class admin {
 public:
  explicit admin(client& c) : client_(c) {}

  // protocol::errc::topic_already_exists, invalid_partitions, invalid_replication_factor,
  // invalid_config, or a connection error.
  awaitable<result<void>> async_create_topic(std::string name, topic_settings settings = {},
                                             std::int32_t timeout_ms = 30'000);
  result<void> create_topic(std::string name, topic_settings settings = {},
                            std::int32_t timeout_ms = 30'000);

  // protocol::errc::unknown_topic when there is no such topic.
  awaitable<result<void>> async_delete_topic(std::string name, std::int32_t timeout_ms = 30'000);
  result<void> delete_topic(std::string name, std::int32_t timeout_ms = 30'000);

  awaitable<result<std::vector<topic_listing>>> async_list_topics(bool include_internal = false);
  result<std::vector<topic_listing>> list_topics(bool include_internal = false);

  awaitable<result<topic_description>> async_describe_topic(std::string name);
  result<topic_description> describe_topic(std::string name);

 private:
  client& client_;
};

}  // namespace cairn
