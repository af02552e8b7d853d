// Errors of the consumer-group coordinator (broker/group/) as std::error_code: the outcomes of
// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and the group admin calls, plus the
// errors of decoding `__consumer_offsets` records.
//
// Where Kafka has an error for the case, the enumerator has Kafka's name (lower-cased) and Kafka's
// meaning, so the wire mapping and a later Kafka listener are one-to-one. The messages say what a
// client should do next.
#pragma once

#include <system_error>

namespace cairn::broker::group {

enum class errc {
  ok = 0,

  // --- Kafka's group errors, same names and meanings ---
  coordinator_not_available,    // the group is being deleted: find the coordinator again, retry
  not_coordinator,              // this registry does not own the group's __consumer_offsets
                                // partition: find the coordinator again, retry
  invalid_group_id,             // the group id is empty or longer than name_bytes_max
  unknown_member_id,            // the member id is not in the group (left, expired, removed by a
                                // rebalance; or a generation-less commit to an active group)
  member_id_required,           // a new member must join again with the member id it was given
  illegal_generation,           // not the group's current generation: a zombie, must rejoin
  rebalance_in_progress,        // the group is rebalancing: the member must rejoin
  fenced_instance_id,           // a newer member took over this group.instance.id
  inconsistent_group_protocol,  // protocol type differs, no protocol shared, or none offered
  invalid_session_timeout,      // session timeout outside [session_timeout_ms_min, _max]
  group_max_size_reached,       // the group already has members_max members
  offset_metadata_too_large,    // commit metadata longer than offset_metadata_bytes_max
  non_empty_group,              // delete or offset reset of a group that has members
  group_id_not_found,           // delete of a group that does not exist
  invalid_request,              // a field outside its documented range (see the message)

  // --- Cairn's own: limits Kafka leaves to the request size ---
  invalid_rebalance_timeout,    // rebalance timeout not in [1, rebalance_timeout_ms_max]
  protocol_metadata_too_large,  // one protocol's metadata over protocol_metadata_bytes_max
  group_metadata_too_large,     // the assignments would not fit one group-metadata record

  // --- decoding __consumer_offsets records (bytes from disk: untrusted) ---
  record_truncated,        // a field runs past the end of the key or value
  record_malformed,        // a length, count or value is impossible, or bytes are left over
  unknown_record_version,  // a key or value version this build does not write or read
};

const std::error_category& group_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), group_category()};
}

}  // namespace cairn::broker::group

template <>
struct std::is_error_code_enum<cairn::broker::group::errc> : std::true_type {};
