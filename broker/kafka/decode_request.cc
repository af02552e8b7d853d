#include "broker/kafka/decode_request.h"

#include "broker/kafka/api.h"
#include "broker/kafka/requests/alter_configs.h"
#include "broker/kafka/requests/api_versions.h"
#include "broker/kafka/requests/create_partitions.h"
#include "broker/kafka/requests/create_topics.h"
#include "broker/kafka/requests/delete_groups.h"
#include "broker/kafka/requests/delete_records.h"
#include "broker/kafka/requests/delete_topics.h"
#include "broker/kafka/requests/describe_cluster.h"
#include "broker/kafka/requests/describe_configs.h"
#include "broker/kafka/requests/describe_groups.h"
#include "broker/kafka/requests/fetch.h"
#include "broker/kafka/requests/find_coordinator.h"
#include "broker/kafka/requests/heartbeat.h"
#include "broker/kafka/requests/incremental_alter_configs.h"
#include "broker/kafka/requests/init_producer_id.h"
#include "broker/kafka/requests/join_group.h"
#include "broker/kafka/requests/leave_group.h"
#include "broker/kafka/requests/list_groups.h"
#include "broker/kafka/requests/list_offsets.h"
#include "broker/kafka/requests/metadata.h"
#include "broker/kafka/requests/offset_commit.h"
#include "broker/kafka/requests/offset_fetch.h"
#include "broker/kafka/requests/offset_for_leader_epoch.h"
#include "broker/kafka/requests/produce.h"
#include "broker/kafka/requests/sync_group.h"
#include "broker/kafka/served_apis.h"

namespace cairn::broker::kafka {
namespace {

// The body through its API's decoder. No default: the compiler (-Wswitch, an error here) names
// any API key without a decoder.
bool decodes(api_key key, const request& r) {
  switch (key) {
    case api_key::produce:
      return decode_produce(r).ok();
    case api_key::fetch:
      return decode_fetch(r).ok();
    case api_key::list_offsets:
      return decode_list_offsets(r).ok();
    case api_key::metadata:
      return decode_metadata(r).ok();
    case api_key::offset_commit:
      return decode_offset_commit(r).ok();
    case api_key::offset_fetch:
      return decode_offset_fetch(r).ok();
    case api_key::find_coordinator:
      return decode_find_coordinator(r).ok();
    case api_key::join_group:
      return decode_join_group(r).ok();
    case api_key::heartbeat:
      return decode_heartbeat(r).ok();
    case api_key::leave_group:
      return decode_leave_group(r).ok();
    case api_key::sync_group:
      return decode_sync_group(r).ok();
    case api_key::describe_groups:
      return decode_describe_groups(r).ok();
    case api_key::list_groups:
      return decode_list_groups(r).ok();
    case api_key::api_versions:
      return decode_api_versions(r).ok();
    case api_key::create_topics:
      return decode_create_topics(r).ok();
    case api_key::delete_topics:
      return decode_delete_topics(r).ok();
    case api_key::delete_records:
      return decode_delete_records(r).ok();
    case api_key::init_producer_id:
      return decode_init_producer_id(r).ok();
    case api_key::offset_for_leader_epoch:
      return decode_offset_for_leader_epoch(r).ok();
    case api_key::describe_configs:
      return decode_describe_configs(r).ok();
    case api_key::alter_configs:
      return decode_alter_configs(r).ok();
    case api_key::create_partitions:
      return decode_create_partitions(r).ok();
    case api_key::delete_groups:
      return decode_delete_groups(r).ok();
    case api_key::incremental_alter_configs:
      return decode_incremental_alter_configs(r).ok();
    case api_key::describe_cluster:
      return decode_describe_cluster(r).ok();
  }
  return false;  // not reached: every key is a case above
}

}  // namespace

decode_outcome decode_request(std::span<const std::byte> frame) {
  auto prefix = read_header_prefix(frame);
  if (!prefix) return decode_outcome::short_header;
  const served_api* api = find_api(prefix->api_key);
  if (api == nullptr) return decode_outcome::unserved;
  const std::int16_t version = prefix->api_version;
  // As the connection loop decides it (server.cc): ApiVersions answers any version.
  if (!api->serves(version) && api->key != api_key::api_versions) {
    return decode_outcome::unserved;
  }
  const bool flexible = request_is_flexible(*api, version);
  request r{.header = *prefix, .flexible = flexible};
  auto body_at = read_header_rest(frame, flexible, r.header);
  if (!body_at) return decode_outcome::bad_header;
  r.body = frame.subspan(*body_at);
  return decodes(api->key, r) ? decode_outcome::decoded : decode_outcome::refused;
}

}  // namespace cairn::broker::kafka
