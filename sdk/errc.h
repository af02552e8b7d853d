// Errors of the client SDK that a caller can act on, as std::error_code (category "cairn.sdk").
// Each message says what to do about it.
#pragma once

#include <system_error>

namespace cairn::sdk {

enum class errc {
  ok = 0,
  buffer_full,        // buffer_bytes_max reached: back-pressure until in-flight batches complete
  record_too_large,   // one record exceeds request_bytes_max or buffer_bytes_max on its own
  invalid_partition,  // a partition number below 0 or not below the topic's partition count
  invalid_config,     // a producer setting is out of range (see accumulator_config)
  delivery_timeout,   // not acknowledged within delivery_timeout_ms; it may or may not be written
  aborted,            // the producer was closed before the record was acknowledged
};

const std::error_category& sdk_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sdk_category()};
}

}  // namespace cairn::sdk

template <>
struct std::is_error_code_enum<cairn::sdk::errc> : std::true_type {};
