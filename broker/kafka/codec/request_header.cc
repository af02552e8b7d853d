#include "broker/kafka/codec/request_header.h"

#include "broker/kafka/codec/reader.h"

namespace cairn::broker::kafka {

namespace {
constexpr std::size_t kPrefixBytes = 8;  // api_key, api_version, correlation_id
}

std::optional<request_header> read_header_prefix(std::span<const std::byte> frame) {
  if (frame.size() < kPrefixBytes) return std::nullopt;
  reader r(frame.first(kPrefixBytes), false);
  request_header h;
  h.api_key = r.int16();
  h.api_version = r.int16();
  h.correlation_id = r.int32();
  return h;
}

std::optional<std::size_t> read_header_rest(std::span<const std::byte> frame, bool flexible,
                                            request_header& header) {
  if (frame.size() < kPrefixBytes) return std::nullopt;
  // The client id stays a classic NULLABLE_STRING in header v2 (Kafka kept it readable by old
  // brokers); only the tagged fields after it are flexible.
  reader classic(frame.subspan(kPrefixBytes), false);
  header.client_id = classic.nullable_string();
  if (!classic.ok()) return std::nullopt;
  std::size_t at = kPrefixBytes + classic.position();
  if (flexible) {
    reader tags(frame.subspan(at), true);
    tags.tagged_fields();
    if (!tags.ok()) return std::nullopt;
    at += tags.position();
  }
  return at;
}

writer start_response(std::int32_t correlation_id, bool flexible_body, bool header_v1) {
  writer w(flexible_body);
  w.size_placeholder();
  w.int32(correlation_id);
  if (header_v1) w.unsigned_varint(0);  // no tagged fields in the header
  return w;
}

std::vector<std::byte> finish_response(writer& w) {
  w.patch_int32(0, static_cast<std::int32_t>(w.size() - 4));
  return w.take();
}

}  // namespace cairn::broker::kafka
