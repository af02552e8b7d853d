// Test helpers that build RecordBatch v2 bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eventstore/record/record_batch.h"

namespace cairn::testing {

struct test_record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::int64_t timestamp_ms = 0;
};

inline std::string make_batch(
    const std::vector<test_record>& records,
    eventstore::compression_codec codec = eventstore::compression_codec::none) {
  eventstore::record_batch_builder builder({.compression = codec});
  for (const test_record& r : records) {
    std::optional<std::string_view> key, value;
    if (r.key) key = *r.key;
    if (r.value) value = *r.value;
    builder.add({.key = key, .value = value, .timestamp_ms = r.timestamp_ms});
  }
  return builder.finish();
}

// `count` records "<prefix>-<i>" with the given timestamp and `value_bytes`-byte values.
inline std::string make_batch(int count, const std::string& prefix, std::int64_t timestamp_ms,
                              std::size_t value_bytes = 16) {
  std::vector<test_record> records;
  for (int i = 0; i < count; ++i) {
    std::string value = prefix + "-" + std::to_string(i);
    value.resize(std::max(value.size(), value_bytes), '.');
    records.push_back({prefix + "-" + std::to_string(i), value, timestamp_ms});
  }
  return make_batch(records);
}

}  // namespace cairn::testing
