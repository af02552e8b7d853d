// What the consumer-group handlers share: the Kafka code of a coordinator error, and group
// metadata and assignments (opaque bytes the coordinator keeps as strings) on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "broker/kafka/error_code.h"

namespace cairn::broker::kafka {

// The Kafka error code of what the coordinator (or the core) answered.
inline std::int16_t error_value(const std::error_code& ec) {
  return value_of(to_kafka_error(ec).code);
}

// Group metadata and assignments are opaque bytes the coordinator keeps as strings.
inline std::span<const std::byte> as_bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}
inline std::string to_string(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// A nullable string field written as null when empty (JoinGroup v7+'s protocol fields on error).
inline std::optional<std::string_view> null_if_empty(std::string_view s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace cairn::broker::kafka
