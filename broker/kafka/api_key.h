// Kafka's API keys, of the APIs this broker serves (served_apis.h says which versions).
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::broker::kafka {

enum class api_key : std::int16_t {
  produce = 0,
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  offset_commit = 8,
  offset_fetch = 9,
  find_coordinator = 10,
  join_group = 11,
  heartbeat = 12,
  leave_group = 13,
  sync_group = 14,
  describe_groups = 15,
  list_groups = 16,
  api_versions = 18,
  create_topics = 19,
  delete_topics = 20,
  delete_records = 21,
  init_producer_id = 22,
  offset_for_leader_epoch = 23,
  describe_configs = 32,
  alter_configs = 33,
  create_partitions = 37,
  delete_groups = 42,
  incremental_alter_configs = 44,
  describe_cluster = 60,
};

// The enumerator's name ("produce"), as the fuzz targets and their corpus directories are named.
// No default: -Wswitch names a key added above without a name here.
constexpr std::string_view api_name(api_key key) {
  switch (key) {
    case api_key::produce:
      return "produce";
    case api_key::fetch:
      return "fetch";
    case api_key::list_offsets:
      return "list_offsets";
    case api_key::metadata:
      return "metadata";
    case api_key::offset_commit:
      return "offset_commit";
    case api_key::offset_fetch:
      return "offset_fetch";
    case api_key::find_coordinator:
      return "find_coordinator";
    case api_key::join_group:
      return "join_group";
    case api_key::heartbeat:
      return "heartbeat";
    case api_key::leave_group:
      return "leave_group";
    case api_key::sync_group:
      return "sync_group";
    case api_key::describe_groups:
      return "describe_groups";
    case api_key::list_groups:
      return "list_groups";
    case api_key::api_versions:
      return "api_versions";
    case api_key::create_topics:
      return "create_topics";
    case api_key::delete_topics:
      return "delete_topics";
    case api_key::delete_records:
      return "delete_records";
    case api_key::init_producer_id:
      return "init_producer_id";
    case api_key::offset_for_leader_epoch:
      return "offset_for_leader_epoch";
    case api_key::describe_configs:
      return "describe_configs";
    case api_key::alter_configs:
      return "alter_configs";
    case api_key::create_partitions:
      return "create_partitions";
    case api_key::delete_groups:
      return "delete_groups";
    case api_key::incremental_alter_configs:
      return "incremental_alter_configs";
    case api_key::describe_cluster:
      return "describe_cluster";
  }
  return "unknown";
}

}  // namespace cairn::broker::kafka
