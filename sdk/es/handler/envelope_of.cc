// envelope_of: a consumer record's envelope (cairn/es/event_handler.h).
#include <charconv>

#include "cairn/es/event_handler.h"

namespace cairn::es {
namespace {

// The broker's header on records appended through AppendToStream.
constexpr std::string_view kStreamVersionHeader = "cairn-stream-version";

std::string header_text(const std::vector<record_header>& hs, std::string_view key) {
  for (const auto& h : hs) {
    if (h.key == key) return h.value.value_or(std::string{});
  }
  return {};
}

}  // namespace

envelope envelope_of(const consumer_record& r) {
  envelope e{.stream_id = r.key.value_or(""),
             .version = -1,
             .topic = r.topic,
             .partition = r.partition,
             .offset = r.offset,
             .timestamp_ms = r.timestamp_ms,
             .type = header_text(r.headers, kTypeHeader),
             .correlation_id = header_text(r.headers, kCorrelationIdHeader),
             .causation_id = header_text(r.headers, kCausationIdHeader),
             .command_id = header_text(r.headers, kCommandIdHeader)};
  auto v = header_text(r.headers, kStreamVersionHeader);
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (!v.empty() && ec == std::errc{} && end == v.data() + v.size()) e.version = version;
  return e;
}

}  // namespace cairn::es
