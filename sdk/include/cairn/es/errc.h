// Errors of cairn::es (category "cairn.es"). Domain refusals from a decider are the
// application's own error codes and pass through the repository unchanged.
#pragma once

#include <system_error>

namespace cairn::es {

enum class errc {
  ok = 0,
  unknown_event_type,      // a `type` header no codec or upcaster knows: register it or skip it
  malformed_event,         // event JSON that does not parse or does not fit the event's struct
  upcast_loop,             // upcasters did not reach a registered type within upcast_steps_max
  retries_exhausted,       // handle(): the expected version kept moving for retries_max attempts
  malformed_snapshot,      // snapshot bytes that fail to decode (they are ignored on load)
  stream_too_long,         // load(): more pages than read_pages_max (a bound, not a stream limit)
  wrong_expected_version,  // append(): the stream moved (only from the low-level append helper)
  malformed_value,         // a read-model value that does not parse as the type asked for
};

const std::error_category& es_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), es_category()};
}

}  // namespace cairn::es

template <>
struct std::is_error_code_enum<cairn::es::errc> : std::true_type {};
