// The served APIs. To serve a new API or version, add or widen its row here: ApiVersions
// advertises exactly these rows.
#include "broker/kafka/dispatch.h"

#include <algorithm>

#include "broker/kafka/handlers/alter_configs.h"
#include "broker/kafka/handlers/api_versions.h"
#include "broker/kafka/handlers/create_partitions.h"
#include "broker/kafka/handlers/create_topics.h"
#include "broker/kafka/handlers/delete_groups.h"
#include "broker/kafka/handlers/delete_records.h"
#include "broker/kafka/handlers/delete_topics.h"
#include "broker/kafka/handlers/describe_cluster.h"
#include "broker/kafka/handlers/describe_configs.h"
#include "broker/kafka/handlers/describe_groups.h"
#include "broker/kafka/handlers/fetch.h"
#include "broker/kafka/handlers/find_coordinator.h"
#include "broker/kafka/handlers/heartbeat.h"
#include "broker/kafka/handlers/incremental_alter_configs.h"
#include "broker/kafka/handlers/init_producer_id.h"
#include "broker/kafka/handlers/join_group.h"
#include "broker/kafka/handlers/leave_group.h"
#include "broker/kafka/handlers/list_groups.h"
#include "broker/kafka/handlers/list_offsets.h"
#include "broker/kafka/handlers/metadata.h"
#include "broker/kafka/handlers/offset_commit.h"
#include "broker/kafka/handlers/offset_fetch.h"
#include "broker/kafka/handlers/offset_for_leader_epoch.h"
#include "broker/kafka/handlers/produce.h"
#include "broker/kafka/handlers/sync_group.h"

namespace cairn::broker::kafka {
namespace {

using enum api_key;

const api_handler kServed[] = {
    {.key = produce,
     .min_version = 0,
     .max_version = 9,
     .flexible_from = 9,
     .where = runs_on::awaits,
     .awaiting = handle_produce},
    {.key = fetch,
     .min_version = 4,
     .max_version = 13,
     .flexible_from = 12,
     .where = runs_on::awaits,
     .awaiting = handle_fetch},
    {.key = list_offsets,
     .min_version = 1,
     .max_version = 7,
     .flexible_from = 6,
     .where = runs_on::worker,
     .blocking = handle_list_offsets},
    {.key = metadata,
     .min_version = 0,
     .max_version = 12,
     .flexible_from = 9,
     .where = runs_on::worker,
     .blocking = handle_metadata},
    {.key = offset_commit,
     .min_version = 0,
     .max_version = 8,
     .flexible_from = 8,
     .where = runs_on::awaits,
     .awaiting = handle_offset_commit},
    {.key = offset_fetch,
     .min_version = 0,
     .max_version = 8,
     .flexible_from = 6,
     .where = runs_on::io,
     .blocking = handle_offset_fetch},
    {.key = find_coordinator,
     .min_version = 0,
     .max_version = 4,
     .flexible_from = 3,
     .where = runs_on::io,
     .blocking = handle_find_coordinator},
    {.key = join_group,
     .min_version = 0,
     .max_version = 9,
     .flexible_from = 6,
     .where = runs_on::awaits,
     .awaiting = handle_join_group},
    {.key = heartbeat,
     .min_version = 0,
     .max_version = 4,
     .flexible_from = 4,
     .where = runs_on::io,
     .blocking = handle_heartbeat},
    {.key = leave_group,
     .min_version = 0,
     .max_version = 5,
     .flexible_from = 4,
     .where = runs_on::awaits,
     .awaiting = handle_leave_group},
    {.key = sync_group,
     .min_version = 0,
     .max_version = 5,
     .flexible_from = 4,
     .where = runs_on::awaits,
     .awaiting = handle_sync_group},
    {.key = describe_groups,
     .min_version = 0,
     .max_version = 5,
     .flexible_from = 5,
     .where = runs_on::io,
     .blocking = handle_describe_groups},
    {.key = list_groups,
     .min_version = 0,
     .max_version = 4,
     .flexible_from = 3,
     .where = runs_on::io,
     .blocking = handle_list_groups},
    {.key = api_versions,
     .min_version = 0,
     .max_version = 3,
     .flexible_from = 3,
     .where = runs_on::io,
     .blocking = handle_api_versions},
    {.key = create_topics,
     .min_version = 0,
     .max_version = 7,
     .flexible_from = 5,
     .where = runs_on::worker,
     .blocking = handle_create_topics},
    {.key = delete_topics,
     .min_version = 0,
     .max_version = 6,
     .flexible_from = 4,
     .where = runs_on::worker,
     .blocking = handle_delete_topics},
    {.key = delete_records,
     .min_version = 0,
     .max_version = 2,
     .flexible_from = 2,
     .where = runs_on::worker,
     .blocking = handle_delete_records},
    {.key = init_producer_id,
     .min_version = 0,
     .max_version = 4,
     .flexible_from = 2,
     .where = runs_on::worker,
     .blocking = handle_init_producer_id},
    {.key = offset_for_leader_epoch,
     .min_version = 0,
     .max_version = 4,
     .flexible_from = 4,
     .where = runs_on::worker,
     .blocking = handle_offset_for_leader_epoch},
    {.key = describe_configs,
     .min_version = 0,
     .max_version = 4,
     .flexible_from = 4,
     .where = runs_on::worker,
     .blocking = handle_describe_configs},
    {.key = alter_configs,
     .min_version = 0,
     .max_version = 2,
     .flexible_from = 2,
     .where = runs_on::worker,
     .blocking = handle_alter_configs},
    {.key = create_partitions,
     .min_version = 0,
     .max_version = 3,
     .flexible_from = 2,
     .where = runs_on::worker,
     .blocking = handle_create_partitions},
    {.key = delete_groups,
     .min_version = 0,
     .max_version = 2,
     .flexible_from = 2,
     .where = runs_on::awaits,
     .awaiting = handle_delete_groups},
    {.key = incremental_alter_configs,
     .min_version = 0,
     .max_version = 1,
     .flexible_from = 1,
     .where = runs_on::worker,
     .blocking = handle_incremental_alter_configs},
    {.key = describe_cluster,
     .min_version = 0,
     .max_version = 1,
     .flexible_from = 0,
     .where = runs_on::worker,
     .blocking = handle_describe_cluster},
};

}  // namespace

std::span<const api_handler> served_apis() {
  return kServed;
}

const api_handler* find_api(std::int16_t key) {
  auto it = std::find_if(std::begin(kServed), std::end(kServed), [key](const api_handler& h) {
    return static_cast<std::int16_t>(h.key) == key;
  });
  return it == std::end(kServed) ? nullptr : &*it;
}

}  // namespace cairn::broker::kafka
