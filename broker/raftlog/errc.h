// Errors of the Raft log on a partition (broker/raftlog): what opening its state can find.
// Everything else either passes through (eventstore, broker errors) or, inside the void
// raft::log calls, halts the broker (see partition_raft_log.h).
#pragma once

#include <system_error>

namespace cairn::raftlog {

enum class errc {
  ok = 0,
  state_file_corrupt,  // a raft state file is truncated, fails its CRC or holds bad values
  state_file_version,  // a raft state file of an unknown format version
  not_replicated,      // the partition was not opened in replicated mode
};

const std::error_category& raftlog_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), raftlog_category()};
}

}  // namespace cairn::raftlog

template <>
struct std::is_error_code_enum<cairn::raftlog::errc> : std::true_type {};
