// What the consumer-group handlers share: the bounds on their request arrays, the smallest
// encodings array_length() checks counts against, and the Kafka code of a coordinator error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "broker/kafka/codec/reader.h"
#include "broker/kafka/error_code.h"

namespace cairn::broker::kafka {

// Upper bounds on the arrays of the group APIs, beyond what the frame holds. Each is above what
// the coordinator accepts (group_config: members_max 1,000, protocols_max 32), so the
// coordinator still answers the precise error; the bound only stops a request of millions of
// tiny entries from making the broker build millions of strings first.
inline constexpr std::int32_t kGroupIdsMax = 10'000;  // Describe/DeleteGroups, OffsetFetch v8
inline constexpr std::int32_t kMembersMax = 10'000;   // SyncGroup assignments, LeaveGroup
inline constexpr std::int32_t kProtocolsMax = 1'000;  // JoinGroup protocols
inline constexpr std::int32_t kCoordinatorKeysMax = 10'000;  // FindCoordinator v4

// The smallest encoding of a STRING (or BYTES) and of a tagged-field section in `in`'s encoding:
// an empty compact string is one byte, a classic one two (bytes: four); a flexible struct ends in
// at least one byte of tagged fields.
inline std::size_t min_string_bytes(const reader& in) {
  return in.flexible() ? 1 : 2;
}
inline std::size_t min_bytes_bytes(const reader& in) {
  return in.flexible() ? 1 : 4;
}
inline std::size_t min_tagged_bytes(const reader& in) {
  return in.flexible() ? 1 : 0;
}

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
