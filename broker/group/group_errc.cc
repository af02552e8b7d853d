#include "broker/group/group_errc.h"

#include <string>

namespace cairn::broker::group {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.group"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::coordinator_not_available:
        return "the group is being deleted or its coordinator is loading: find the coordinator "
               "again and retry";
      case errc::not_coordinator:
        return "this broker is not the group's coordinator: find the coordinator again and retry";
      case errc::invalid_group_id:
        return "the group id must be non-empty and at most name_bytes_max bytes";
      case errc::unknown_member_id:
        return "the member id is not in the group (it left, its session expired, or a rebalance "
               "removed it; or a commit without a generation reached a group with members): "
               "join again with an empty member id";
      case errc::member_id_required:
        return "a new member must join again with the member id returned with this error";
      case errc::illegal_generation:
        return "the generation is not the group's current one (a member of an older generation): "
               "join again before syncing, heartbeating or committing";
      case errc::rebalance_in_progress:
        return "the group is rebalancing: join again to take part";
      case errc::fenced_instance_id:
        return "another member joined with the same group.instance.id and took over: this "
               "member must stop";
      case errc::inconsistent_group_protocol:
        return "the protocol type differs from the group's, no offered protocol is supported by "
               "every member, or no protocol was offered";
      case errc::invalid_session_timeout:
        return "the session timeout is outside the broker's [session_timeout_ms_min, "
               "session_timeout_ms_max]";
      case errc::group_max_size_reached:
        return "the group has reached its maximum number of members (members_max)";
      case errc::offset_metadata_too_large:
        return "the commit's metadata string is longer than offset_metadata_bytes_max";
      case errc::non_empty_group:
        return "the group has active members: stop them (or wait for their sessions to expire) "
               "before deleting the group or resetting its offsets";
      case errc::group_id_not_found:
        return "no group with that id";
      case errc::invalid_request:
        return "a field is out of range: a name empty or over name_bytes_max, a negative "
               "partition or offset, duplicate or too many protocols, or no members to leave";
      case errc::invalid_rebalance_timeout:
        return "the rebalance timeout must be at least 1 ms and at most rebalance_timeout_ms_max";
      case errc::protocol_metadata_too_large:
        return "a protocol's metadata is longer than protocol_metadata_bytes_max";
      case errc::group_metadata_too_large:
        return "the leader's assignments are too large (an assignment over assignment_bytes_max, "
               "or the group record over group_record_bytes_max): assign less per member";
      case errc::record_truncated:
        return "__consumer_offsets record: a field runs past the end of the bytes";
      case errc::record_malformed:
        return "__consumer_offsets record: an impossible length, count or value, or trailing "
               "bytes";
      case errc::unknown_record_version:
        return "__consumer_offsets record: a key or value version this build cannot read";
    }
    return "unknown group error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& group_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::broker::group
