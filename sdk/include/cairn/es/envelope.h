// envelope: where and when an event was recorded, beside the decoded event itself.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cairn/consumer.h"
#include "cairn/streams.h"

namespace cairn::es {

// Header names the es layer reads and writes.
inline constexpr std::string_view kTypeHeader = "type";
inline constexpr std::string_view kCommandIdHeader = "command-id";
inline constexpr std::string_view kCorrelationIdHeader = "correlation-id";
inline constexpr std::string_view kCausationIdHeader = "causation-id";
// Written by the broker on events appended through AppendToStream: the event's stream version.
inline constexpr std::string_view kStreamVersionHeader = "cairn-stream-version";

struct envelope {
  std::string stream_id{};  // the aggregate id: the record key
  std::int64_t version = -1;
  std::string topic{};
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = 0;
  std::string type{};  // the stored type name, before any upcast
  std::string correlation_id{};
  std::string causation_id{};
  std::string command_id{};
};

// The value of the first header named `key`, or "" when absent or null.
inline std::string header_value(const std::vector<event_header>& headers, std::string_view key) {
  for (const auto& h : headers) {
    if (h.key == key) return h.value.value_or(std::string{});
  }
  return {};
}

inline envelope make_envelope(const std::string& topic, const std::string& stream_id,
                              std::int32_t partition, const recorded_event& e) {
  return {.stream_id = stream_id,
          .version = e.version,
          .topic = topic,
          .partition = partition,
          .offset = e.offset,
          .timestamp_ms = e.timestamp_ms,
          .type = e.type,
          .correlation_id = header_value(e.headers, kCorrelationIdHeader),
          .causation_id = header_value(e.headers, kCausationIdHeader),
          .command_id = header_value(e.headers, kCommandIdHeader)};
}

// The envelope of a consumed record (event handlers, process managers, projections that decode):
// the key is the stream id, the broker's `cairn-stream-version` header the version (-1 without
// one, e.g. a record produced directly rather than appended to a stream).
inline envelope envelope_of(const consumer_record& r) {
  auto header = [&](std::string_view key) -> std::string {
    for (const auto& h : r.headers) {
      if (h.key == key) return h.value.value_or(std::string{});
    }
    return {};
  };
  std::int64_t version = -1;
  std::string v = header(kStreamVersionHeader);
  std::int64_t parsed = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
  if (!v.empty() && ec == std::errc{} && end == v.data() + v.size()) version = parsed;
  return {.stream_id = r.key.value_or(std::string{}),
          .version = version,
          .topic = r.topic,
          .partition = r.partition,
          .offset = r.offset,
          .timestamp_ms = r.timestamp_ms,
          .type = header(kTypeHeader),
          .correlation_id = header(kCorrelationIdHeader),
          .causation_id = header(kCausationIdHeader),
          .command_id = header(kCommandIdHeader)};
}

}  // namespace cairn::es
