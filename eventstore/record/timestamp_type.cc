#include "eventstore/record/timestamp_type.h"

#include <algorithm>

#include "cairn/base/assert.h"
#include "eventstore/record/crc32c.h"
#include "eventstore/record/endian.h"

namespace cairn::eventstore {
namespace L = batch_layout;

std::string_view to_string(timestamp_type type) {
  return type == timestamp_type::log_append_time ? "LogAppendTime" : "CreateTime";
}

std::optional<timestamp_type> timestamp_type_from_string(std::string_view name) {
  if (name == "CreateTime") return timestamp_type::create_time;
  if (name == "LogAppendTime") return timestamp_type::log_append_time;
  return std::nullopt;
}

record_batch_view apply_timestamp_type(std::span<char> batch, const record_batch_view& validated,
                                       timestamp_type type, std::int64_t now_ms) {
  CAIRN_ASSERT(validated.bytes().data() == batch.data() && validated.size_bytes() == batch.size(),
               "the view is of another buffer");
  const batch_header& h = validated.header();
  std::int16_t attributes = h.attributes;
  std::int64_t max_timestamp = h.max_timestamp;
  if (type == timestamp_type::log_append_time) {
    attributes = static_cast<std::int16_t>(attributes | L::kTimestampTypeLogAppend);
    max_timestamp = now_ms;
  } else if (is_log_append_time(h)) {
    attributes = static_cast<std::int16_t>(attributes & ~L::kTimestampTypeLogAppend);
    max_timestamp = h.base_timestamp;
    for (const record_view& r : validated) {
      max_timestamp = std::max(max_timestamp, h.base_timestamp + r.timestamp_delta);
    }
  }
  if (attributes == h.attributes && max_timestamp == h.max_timestamp) return validated;
  store_be(batch.data() + L::kAttributes, attributes);
  store_be(batch.data() + L::kMaxTimestamp, max_timestamp);
  const std::uint32_t crc =
      crc32c_extend(0, batch.data() + L::kCrcStart, batch.size() - L::kCrcStart);
  store_be(batch.data() + L::kCrc, crc);
  return validated.with_header(batch_header::read(batch.data()));
}

}  // namespace cairn::eventstore
