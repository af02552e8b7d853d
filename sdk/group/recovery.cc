#include "sdk/group/recovery.h"

#include "protocol/wire_errc.h"
#include "cairn/errc.h"

namespace cairn::sdk {

group_recovery recovery_for(std::error_code ec) {
  if (!ec) return group_recovery::none;
  if (ec.category() == sdk_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::connect_failed:
      case errc::connection_lost:
      case errc::request_timeout:
      case errc::no_brokers:
        return group_recovery::find_coordinator;  // the coordinator may have died or moved
      default:
        return group_recovery::fatal;
    }
  }
  if (ec.category() != protocol::protocol_category()) return group_recovery::fatal;
  using protocol::errc;
  switch (static_cast<errc>(ec.value())) {
    case errc::ok:
      return group_recovery::none;
    case errc::not_coordinator:
    case errc::coordinator_not_available:
      return group_recovery::find_coordinator;
    case errc::coordinator_load_in_progress:
    case errc::request_timed_out:
      return group_recovery::retry;
    case errc::rebalance_in_progress:
      return group_recovery::rejoin;
    case errc::member_id_required:
      return group_recovery::use_given_member_id;
    case errc::illegal_generation:
      return group_recovery::reset_generation;
    case errc::unknown_member_id:
      return group_recovery::reset_member;
    case errc::fenced_instance_id:
    case errc::inconsistent_group_protocol:
    case errc::invalid_session_timeout:
    case errc::group_max_size_reached:
    case errc::invalid_group_id:
    case errc::unknown_request:
    case errc::invalid_request:
      return group_recovery::fatal;
    default:
      return protocol::is_retriable(ec) ? group_recovery::retry : group_recovery::fatal;
  }
}

std::string_view to_string(group_recovery r) {
  switch (r) {
    case group_recovery::none:
      return "none";
    case group_recovery::retry:
      return "retry";
    case group_recovery::find_coordinator:
      return "find_coordinator";
    case group_recovery::rejoin:
      return "rejoin";
    case group_recovery::use_given_member_id:
      return "use_given_member_id";
    case group_recovery::reset_generation:
      return "reset_generation";
    case group_recovery::reset_member:
      return "reset_member";
    case group_recovery::fatal:
      return "fatal";
  }
  return "?";
}

}  // namespace cairn::sdk
