// Errors of cairn::es process managers (category "cairn.es.process").
#pragma once

#include <system_error>

namespace cairn::es {

enum class process_errc {
  ok = 0,
  bad_instance_id,   // correlate() gave an empty id, one with a NUL byte, or one over 200 bytes
  bad_timeout_name,  // a timeout name that is empty, holds a NUL byte or is over 200 bytes
  malformed_state,   // stored instance state that does not parse into the process's state type
  corrupt_store,     // a state, outbox or timeout entry that does not decode (a foreign database)
  not_started,       // async_run_once before start(), or after an input batch failed
  no_route,          // a command for a topic no sender was registered for (route_commands)
};

const std::error_category& process_category() noexcept;

inline std::error_code make_error_code(process_errc e) noexcept {
  return {static_cast<int>(e), process_category()};
}

}  // namespace cairn::es

template <>
struct std::is_error_code_enum<cairn::es::process_errc> : std::true_type {};
