// The served APIs. To serve a new API or version, add or widen its row here (and give it a
// handler in dispatch.cc and a decoder in requests/): ApiVersions advertises exactly these rows.
#include "broker/kafka/served_apis.h"

#include <algorithm>

namespace cairn::broker::kafka {
namespace {

using enum api_key;

constexpr served_api kServed[] = {
    {.key = produce, .min_version = 0, .max_version = 9, .flexible_from = 9},
    {.key = fetch, .min_version = 4, .max_version = 13, .flexible_from = 12},
    {.key = list_offsets, .min_version = 1, .max_version = 7, .flexible_from = 6},
    {.key = metadata, .min_version = 0, .max_version = 12, .flexible_from = 9},
    {.key = offset_commit, .min_version = 0, .max_version = 8, .flexible_from = 8},
    {.key = offset_fetch, .min_version = 0, .max_version = 8, .flexible_from = 6},
    {.key = find_coordinator, .min_version = 0, .max_version = 4, .flexible_from = 3},
    {.key = join_group, .min_version = 0, .max_version = 9, .flexible_from = 6},
    {.key = heartbeat, .min_version = 0, .max_version = 4, .flexible_from = 4},
    {.key = leave_group, .min_version = 0, .max_version = 5, .flexible_from = 4},
    {.key = sync_group, .min_version = 0, .max_version = 5, .flexible_from = 4},
    {.key = describe_groups, .min_version = 0, .max_version = 5, .flexible_from = 5},
    {.key = list_groups, .min_version = 0, .max_version = 4, .flexible_from = 3},
    {.key = api_versions, .min_version = 0, .max_version = 3, .flexible_from = 3},
    {.key = create_topics, .min_version = 0, .max_version = 7, .flexible_from = 5},
    {.key = delete_topics, .min_version = 0, .max_version = 6, .flexible_from = 4},
    {.key = delete_records, .min_version = 0, .max_version = 2, .flexible_from = 2},
    {.key = init_producer_id, .min_version = 0, .max_version = 4, .flexible_from = 2},
    {.key = offset_for_leader_epoch, .min_version = 0, .max_version = 4, .flexible_from = 4},
    {.key = describe_configs, .min_version = 0, .max_version = 4, .flexible_from = 4},
    {.key = alter_configs, .min_version = 0, .max_version = 2, .flexible_from = 2},
    {.key = create_partitions, .min_version = 0, .max_version = 3, .flexible_from = 2},
    {.key = delete_groups, .min_version = 0, .max_version = 2, .flexible_from = 2},
    {.key = incremental_alter_configs, .min_version = 0, .max_version = 1, .flexible_from = 1},
    {.key = describe_cluster, .min_version = 0, .max_version = 1, .flexible_from = 0},
};

}  // namespace

std::span<const served_api> served_apis() {
  return kServed;
}

const served_api* find_api(std::int16_t key) {
  auto it = std::find_if(std::begin(kServed), std::end(kServed), [key](const served_api& a) {
    return static_cast<std::int16_t>(a.key) == key;
  });
  return it == std::end(kServed) ? nullptr : &*it;
}

bool request_is_flexible(const served_api& api, std::int16_t version) {
  const bool newer_api_versions = api.key == api_key::api_versions && version > api.max_version;
  return api.flexible(version) || newer_api_versions;
}

}  // namespace cairn::broker::kafka
