// Kafka RecordBatch v2: a validated view over batch bytes, and a builder that lays out new
// batches byte for byte as Kafka does. An uncompressed batch is read in place (zero-copy); a
// compressed one (gzip, snappy, lz4, zstd: compression.h) is decompressed once by parse(), and
// the view shares ownership of the decoded records, so it iterates both kinds alike. The batch
// bytes themselves (compressed records, attributes, CRC) are never changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"
#include "eventstore/record/batch_header.h"
#include "eventstore/record/compression.h"

namespace cairn::eventstore {

// Upper bound on one batch, checked before anything else is read (Kafka's message.max.bytes is
// ~1 MiB by default; we allow more but never trust a length field beyond this).
constexpr std::int32_t kBatchBytesMaxDefault = 16 * 1024 * 1024;

struct header_view {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt: a null header value (length -1)
};

// One record inside a validated batch. The views point into the batch bytes, or, for a
// compressed batch, into the decoded records its record_batch_view (or a copy of it) keeps alive.
class record_view {
 public:
  class header_iterator;
  struct header_range;

  std::int8_t attributes = 0;
  std::int64_t timestamp_delta = 0;
  std::int32_t offset_delta = 0;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value (a tombstone)
  std::int32_t header_count = 0;

  header_range headers() const;
  // The value of the first header named `name`, if any (a null value is returned as "").
  std::optional<std::string_view> header(std::string_view name) const;

  // Decodes one length-prefixed record from [*p, end), advancing *p past it. nullopt when the
  // bytes are malformed in any way (lengths past the end, bad varints, negative counts).
  static std::optional<record_view> decode(const char** p, const char* end);

 private:
  const char* headers_begin_ = nullptr;
  const char* headers_end_ = nullptr;
};

class record_view::header_iterator {
 public:
  using value_type = header_view;
  using difference_type = std::ptrdiff_t;

  header_iterator() = default;
  header_iterator(const char* p, const char* end, std::int32_t remaining);
  header_view operator*() const { return current_; }
  header_iterator& operator++();
  header_iterator operator++(int) {
    auto copy = *this;
    ++*this;
    return copy;
  }
  bool operator==(const header_iterator& other) const { return remaining_ == other.remaining_; }

 private:
  void decode_current();
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  std::int32_t remaining_ = 0;
  header_view current_{};
};

struct record_view::header_range {
  header_iterator first;
  header_iterator begin() const { return first; }
  header_iterator end() const { return {}; }
};

// A batch that passed parse(): length, magic, CRC32C, codec, and every record's framing checked.
// Copies are cheap: a compressed batch's decoded records are shared, not copied.
class record_batch_view {
 public:
  class iterator;

  // Validates the batch at the start of `bytes` (which may continue with more batches): the CRC
  // over the bytes as stored (compressed), then, for a compressed batch, decompresses the
  // records (at most decompressed_bytes_max bytes) and checks every one, as for an uncompressed
  // batch. Errors: batch_too_short, batch_length_invalid, unsupported_magic, crc_mismatch,
  // unsupported_compression (codec 5-7), corrupt_compressed_batch, decompressed_batch_too_large,
  // record_count_invalid, record_malformed, offset_delta_invalid.
  static result<record_batch_view> parse(
      std::string_view bytes, std::int32_t batch_bytes_max = kBatchBytesMaxDefault,
      std::size_t decompressed_bytes_max = kDecompressedBytesMaxDefault);

  const batch_header& header() const { return header_; }
  std::int64_t base_offset() const { return header_.base_offset; }
  std::int64_t last_offset() const { return header_.last_offset(); }
  std::int64_t next_offset() const { return last_offset() + 1; }
  std::int32_t records_count() const { return header_.records_count; }
  std::string_view bytes() const { return bytes_; }
  std::size_t size_bytes() const { return bytes_.size(); }
  compression_codec compression() const {
    return static_cast<compression_codec>(header_.attributes & batch_layout::kCompressionMask);
  }
  // The records section as iteration reads it: decoded for a compressed batch, else in place.
  std::string_view records_bytes() const;

  iterator begin() const;
  iterator end() const;

  // The same view after stamp_base_offset(bytes, base) was applied to its bytes.
  record_batch_view rebased(std::int64_t base_offset) const;
  // The same view after header fields of its bytes were rewritten in place (and the CRC with
  // them: apply_timestamp_type). REQUIRES: header == batch_header::read(bytes().data()).
  record_batch_view with_header(const batch_header& header) const;

 private:
  record_batch_view(std::string_view bytes, const batch_header& header,
                    std::shared_ptr<const std::vector<char>> decoded)
      : bytes_(bytes), header_(header), decoded_(std::move(decoded)) {}
  std::string_view bytes_;
  batch_header header_{};
  // The decompressed records of a compressed batch; null for an uncompressed one.
  std::shared_ptr<const std::vector<char>> decoded_;
};

class record_batch_view::iterator {
 public:
  using value_type = record_view;
  using difference_type = std::ptrdiff_t;

  iterator() = default;
  iterator(const char* p, const char* end, std::int32_t remaining);
  const record_view& operator*() const { return current_; }
  const record_view* operator->() const { return &current_; }
  iterator& operator++();
  iterator operator++(int) {
    auto copy = *this;
    ++*this;
    return copy;
  }
  bool operator==(const iterator& other) const { return remaining_ == other.remaining_; }

 private:
  void decode_current();
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  std::int32_t remaining_ = 0;
  record_view current_{};
};

// Peeks the total size of the batch at the start of `bytes` from its first 12 bytes, without
// validating anything else. nullopt when fewer than 12 bytes are given or the length is negative.
std::optional<std::int64_t> peek_batch_size(std::string_view bytes);

// Writes baseOffset / partitionLeaderEpoch in place. Both lie outside the CRC, so the batch stays
// valid: this is how a leader assigns offsets without re-encoding.
void stamp_base_offset(std::span<char> batch, std::int64_t base_offset);
void stamp_partition_leader_epoch(std::span<char> batch, std::int32_t epoch);

// Called with each batch of a log in offset order; an error stops the walk and is returned.
using batch_visitor = std::function<result<void>(const record_batch_view&)>;

// What a producer puts into a batch. Views must stay valid until add() returns.
struct record_input {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::span<const header_view> headers;
  std::int64_t timestamp_ms = 0;
};

// Lays out a RecordBatch v2. add() records, then finish() computes lengths and the CRC.
class record_batch_builder {
 public:
  struct options {
    std::int64_t base_offset = 0;
    std::int32_t partition_leader_epoch = -1;
    std::int16_t attributes = 0;  // timestamp type / transactional bits; never compression
    // The codec of the records. finish() keeps the compressed form only when it is smaller than
    // the records (as librdkafka does): a batch of a few short records goes uncompressed.
    compression_codec compression = compression_codec::none;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::int32_t base_sequence = -1;
    // When set, the batch keeps this base timestamp (compaction preserves the original).
    std::optional<std::int64_t> base_timestamp;
    // When set, the batch's maxTimestamp instead of its largest record timestamp: compaction
    // keeps a LogAppendTime batch's stamp, which is every record's timestamp.
    std::optional<std::int64_t> max_timestamp;
  };

  record_batch_builder() : record_batch_builder(options{}) {}
  explicit record_batch_builder(const options& opts);

  // Appends a record. offset_delta defaults to the next one (the record count so far); when
  // given, it must exceed the previous record's (compaction leaves gaps).
  void add(const record_input& record, std::optional<std::int32_t> offset_delta = std::nullopt);

  // Compaction keeps a batch's original offset range even when its last records are gone (or all
  // of them: a batch with this set may be finished with no record).
  void set_last_offset_delta(std::int32_t delta) { last_offset_delta_ = delta; }

  // Sets the idempotence fields. They lie inside the CRC, and a producer learns a batch's sequence
  // only when it sends the batch, so it sets them here, any time before finish().
  void set_producer_state(std::int64_t producer_id, std::int16_t producer_epoch,
                          std::int32_t base_sequence);

  // Bytes that add(record) would append now, length prefix included: lets a producer decide
  // whether a record fits before it commits it to this batch.
  std::size_t record_size_bytes(const record_input& record) const;
  // Bytes of a record encoded with these deltas; a record alone in a new batch has both at 0.
  static std::size_t record_size_bytes(const record_input& record, std::int64_t timestamp_delta,
                                       std::int32_t offset_delta);

  std::int32_t records_count() const { return count_; }
  // The batch's size so far before compression: an upper bound on what finish() returns.
  std::size_t size_bytes() const { return buffer_.size(); }

  // Completes the batch and returns its bytes; the builder is empty afterwards.
  std::string finish();

 private:
  options options_;
  std::string buffer_;
  std::int32_t count_ = 0;
  std::int32_t previous_offset_delta_ = -1;
  std::optional<std::int32_t> last_offset_delta_;
  std::int64_t base_timestamp_ = 0;
  std::int64_t max_timestamp_ = 0;
};

}  // namespace cairn::eventstore
