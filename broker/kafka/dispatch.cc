// The handler of each served API. A new API gets its row here and in served_apis.cc.
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
#include "cairn/base/assert.h"

namespace cairn::broker::kafka {
namespace {

using enum api_key;

const api_handler kHandlers[] = {
    {.key = produce, .where = runs_on::awaits, .awaiting = handle_produce},
    {.key = fetch, .where = runs_on::awaits, .awaiting = handle_fetch},
    {.key = list_offsets, .where = runs_on::worker, .blocking = handle_list_offsets},
    {.key = metadata, .where = runs_on::worker, .blocking = handle_metadata},
    {.key = offset_commit, .where = runs_on::awaits, .awaiting = handle_offset_commit},
    {.key = offset_fetch, .where = runs_on::io, .blocking = handle_offset_fetch},
    {.key = find_coordinator, .where = runs_on::io, .blocking = handle_find_coordinator},
    {.key = join_group, .where = runs_on::awaits, .awaiting = handle_join_group},
    {.key = heartbeat, .where = runs_on::io, .blocking = handle_heartbeat},
    {.key = leave_group, .where = runs_on::awaits, .awaiting = handle_leave_group},
    {.key = sync_group, .where = runs_on::awaits, .awaiting = handle_sync_group},
    {.key = describe_groups, .where = runs_on::io, .blocking = handle_describe_groups},
    {.key = list_groups, .where = runs_on::io, .blocking = handle_list_groups},
    {.key = api_versions, .where = runs_on::io, .blocking = handle_api_versions},
    {.key = create_topics, .where = runs_on::worker, .blocking = handle_create_topics},
    {.key = delete_topics, .where = runs_on::worker, .blocking = handle_delete_topics},
    {.key = delete_records, .where = runs_on::worker, .blocking = handle_delete_records},
    {.key = init_producer_id, .where = runs_on::worker, .blocking = handle_init_producer_id},
    {.key = offset_for_leader_epoch,
     .where = runs_on::worker,
     .blocking = handle_offset_for_leader_epoch},
    {.key = describe_configs, .where = runs_on::worker, .blocking = handle_describe_configs},
    {.key = alter_configs, .where = runs_on::worker, .blocking = handle_alter_configs},
    {.key = create_partitions, .where = runs_on::worker, .blocking = handle_create_partitions},
    {.key = delete_groups, .where = runs_on::awaits, .awaiting = handle_delete_groups},
    {.key = incremental_alter_configs,
     .where = runs_on::worker,
     .blocking = handle_incremental_alter_configs},
    {.key = describe_cluster, .where = runs_on::worker, .blocking = handle_describe_cluster},
};

}  // namespace

const api_handler& handler_of(api_key key) {
  auto it = std::find_if(std::begin(kHandlers), std::end(kHandlers),
                         [key](const api_handler& h) { return h.key == key; });
  CAIRN_ASSERT(it != std::end(kHandlers), "kafka api {} is served but has no handler",
               static_cast<std::int16_t>(key));
  return *it;
}

}  // namespace cairn::broker::kafka
