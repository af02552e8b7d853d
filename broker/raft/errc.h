// Errors the Raft core returns to its caller (operating errors; bugs assert).
#pragma once

#include <system_error>

namespace cairn::raft {

enum class errc {
  ok = 0,
  not_leader,               // this replica is not the leader; node::leader() names the one known
  transfer_in_progress,     // the leader is handing over leadership and accepts no proposals
  config_change_pending,    // the previous configuration change is not committed yet
  leader_not_ready,         // the leader has not committed an entry of its own term yet
  invalid_config_change,    // adding a voter already in, removing one not in, or the last one
  invalid_transfer_target,  // not a voter, or the leader itself
};

const std::error_category& raft_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), raft_category()};
}

}  // namespace cairn::raft

template <>
struct std::is_error_code_enum<cairn::raft::errc> : std::true_type {};
