// Helpers for the lmdb/ and stream/ tests: batches of stream events and an in-memory log.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cairn/base/assert.h"
#include "eventstore/record/record_batch.h"
#include "eventstore/stream/stream_index.h"
#include "tests/support/temp_dir.h"

namespace cairn::test {

using cairn::testing::temp_dir;

// One record of a test batch: a key (nullopt: null key) and the raw version header value
// (nullopt: no header), so tests can write malformed headers too.
struct test_record {
  std::optional<std::string> key;
  std::optional<std::string> version_header;
  std::string value = "payload";
};

inline test_record event(std::string key, std::int64_t version) {
  return {std::move(key), std::to_string(version)};
}

inline std::string make_batch(
    std::int64_t base_offset, const std::vector<test_record>& records,
    eventstore::compression_codec codec = eventstore::compression_codec::none) {
  eventstore::record_batch_builder builder({.base_offset = base_offset, .compression = codec});
  for (const auto& r : records) {
    std::vector<eventstore::header_view> headers{{"type", "test.Event.v1"}};
    if (r.version_header) headers.push_back({eventstore::kStreamVersionHeader, *r.version_header});
    std::optional<std::string_view> key;
    if (r.key) key = *r.key;
    builder.add({.key = key, .value = r.value, .headers = headers, .timestamp_ms = 1000});
  }
  return builder.finish();
}

// An in-memory log: batch bytes with consecutive offsets, and a batch_source over them.
class memory_log {
 public:
  // Appends a batch of `records`; returns its base offset.
  std::int64_t append(const std::vector<test_record>& records,
                      eventstore::compression_codec codec = eventstore::compression_codec::none) {
    const std::int64_t base = end_offset_;
    batches_.push_back(make_batch(base, records, codec));
    end_offset_ += static_cast<std::int64_t>(records.size());
    return base;
  }

  std::int64_t end_offset() const { return end_offset_; }
  std::size_t batch_count() const { return batches_.size(); }

  // Views of batches [first, last).
  std::vector<eventstore::record_batch_view> views(std::size_t first, std::size_t last) const {
    std::vector<eventstore::record_batch_view> out;
    for (std::size_t i = first; i < last; ++i) {
      out.push_back(eventstore::record_batch_view::parse(batches_[i]).value());
    }
    return out;
  }
  std::vector<eventstore::record_batch_view> views() const { return views(0, batches_.size()); }

  // Drops every batch that starts at or after `offset` (a crash losing the unflushed tail).
  void truncate(std::int64_t offset) {
    while (!batches_.empty() &&
           eventstore::record_batch_view::parse(batches_.back()).value().base_offset() >= offset) {
      end_offset_ = eventstore::record_batch_view::parse(batches_.back()).value().base_offset();
      batches_.pop_back();
    }
  }

  eventstore::batch_source source() const {
    return
        [this](std::int64_t from, const eventstore::batch_visitor& visit) -> cairn::result<void> {
          for (const auto& bytes : batches_) {
            // A copy that dies after the visit, as a reader's buffer would: the index must not keep
            // views into it (ASan catches it if it does).
            const std::string copy = bytes;
            auto batch = eventstore::record_batch_view::parse(copy).value();
            if (batch.last_offset() < from) continue;
            CAIRN_TRY(visit(batch));
          }
          return cairn::success();
        };
  }

 private:
  std::vector<std::string> batches_;
  std::int64_t end_offset_ = 0;
};

}  // namespace cairn::test
