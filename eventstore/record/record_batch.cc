#include "eventstore/record/record_batch.h"

#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "eventstore/record/crc32c.h"
#include "eventstore/record/varint.h"

namespace cairn::eventstore {
namespace L = batch_layout;

namespace {

// A length-prefixed byte string: -1 means null; anything else must fit before `end`.
bool get_nullable_bytes(const char** p, const char* end, std::optional<std::string_view>* out) {
  auto length = get_varint(p, end);
  if (!length) return false;
  if (*length == -1) {
    *out = std::nullopt;
    return true;
  }
  if (*length < 0 || *length > end - *p) return false;
  *out = std::string_view(*p, static_cast<std::size_t>(*length));
  *p += *length;
  return true;
}

// The validation walk of parse() runs over every record of every appended batch, so it works on
// raw zig-zag values and plain pointers, and decodes only what it checks (decode() is for readers).

// Reads a varint of at most `bytes_max` bytes at p into its raw (still zig-zag) value. Returns
// the byte after it, or nullptr when it is truncated or too long.
inline const char* read_raw_varint(const char* p, const char* end, int bytes_max,
                                   std::uint64_t* raw) {
  // One- and two-byte values are nearly all of them.
  if (p != end && static_cast<std::uint8_t>(p[0]) < 0x80) {
    *raw = static_cast<std::uint8_t>(p[0]);
    return p + 1;
  }
  if (end - p >= 2) {
    auto b0 = static_cast<std::uint8_t>(p[0]);
    auto b1 = static_cast<std::uint8_t>(p[1]);
    if (b1 < 0x80) {
      *raw = (b0 & 0x7Fu) | (std::uint64_t{b1} << 7);
      return p + 2;
    }
  }
  std::uint64_t u = 0;
  for (int i = 0; i < bytes_max; ++i) {
    if (p == end) return nullptr;
    auto b = static_cast<std::uint8_t>(*p++);
    u |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if (b < 0x80) {
      *raw = u;
      return p;
    }
  }
  return nullptr;
}

// Steps over a length-prefixed byte string. In zig-zag, -1 (null) is raw 1 and n >= 0 is 2n.
inline const char* skip_bytes_field(const char* p, const char* end, bool allow_null) {
  std::uint64_t raw = 0;
  p = read_raw_varint(p, end, kVarintBytesMax, &raw);
  if (p == nullptr) return nullptr;
  if (raw & 1) return raw == 1 && allow_null ? p : nullptr;
  if ((raw >> 1) > static_cast<std::uint64_t>(end - p)) return nullptr;
  return p + (raw >> 1);
}

// Checks the framing of the record at p and returns the byte after it (nullptr if malformed),
// with its offset delta.
inline const char* skip_record(const char* p, const char* end, std::int64_t* offset_delta) {
  std::uint64_t raw = 0;
  p = read_raw_varint(p, end, kVarintBytesMax, &raw);
  if (p == nullptr || (raw & 1) || raw == 0 || (raw >> 1) > static_cast<std::uint64_t>(end - p)) {
    return nullptr;  // a record is at least one byte long
  }
  const char* record_end = p + (raw >> 1);
  const char* q = p + 1;                                       // past the attributes byte
  q = read_raw_varint(q, record_end, kVarlongBytesMax, &raw);  // timestamp delta
  if (q == nullptr) return nullptr;
  q = read_raw_varint(q, record_end, kVarintBytesMax, &raw);
  if (q == nullptr) return nullptr;
  *offset_delta = zigzag_decode(raw);
  q = skip_bytes_field(q, record_end, true);  // key
  if (q == nullptr) return nullptr;
  q = skip_bytes_field(q, record_end, true);  // value
  if (q == nullptr) return nullptr;
  q = read_raw_varint(q, record_end, kVarintBytesMax, &raw);
  if (q == nullptr || (raw & 1)) return nullptr;  // a negative header count
  for (std::uint64_t i = raw >> 1; i > 0; --i) {
    q = skip_bytes_field(q, record_end, false);  // header key, never null
    if (q == nullptr) return nullptr;
    q = skip_bytes_field(q, record_end, true);  // header value
    if (q == nullptr) return nullptr;
  }
  return q == record_end ? record_end : nullptr;
}

}  // namespace

// ---- record_view -----------------------------------------------------------------------------

std::optional<record_view> record_view::decode(const char** p, const char* end) {
  const char* q = *p;
  auto length = get_varint(&q, end);
  if (!length || *length < 1 || *length > end - q) return std::nullopt;
  const char* record_end = q + *length;

  record_view r;
  r.attributes = static_cast<std::int8_t>(*q++);
  auto timestamp_delta = get_varlong(&q, record_end, kVarlongBytesMax);
  auto offset_delta = get_varint(&q, record_end);
  if (!timestamp_delta || !offset_delta) return std::nullopt;
  r.timestamp_delta = *timestamp_delta;
  r.offset_delta = *offset_delta;
  if (!get_nullable_bytes(&q, record_end, &r.key)) return std::nullopt;
  if (!get_nullable_bytes(&q, record_end, &r.value)) return std::nullopt;
  auto header_count = get_varint(&q, record_end);
  if (!header_count || *header_count < 0) return std::nullopt;
  r.header_count = *header_count;
  r.headers_begin_ = q;
  for (std::int32_t i = 0; i < r.header_count; ++i) {
    std::optional<std::string_view> header_key;
    std::optional<std::string_view> header_value;
    if (!get_nullable_bytes(&q, record_end, &header_key) || !header_key) return std::nullopt;
    if (!get_nullable_bytes(&q, record_end, &header_value)) return std::nullopt;
  }
  if (q != record_end) return std::nullopt;  // trailing bytes inside the record
  r.headers_end_ = record_end;
  *p = record_end;
  return r;
}

record_view::header_range record_view::headers() const {
  return header_range{header_iterator(headers_begin_, headers_end_, header_count)};
}

std::optional<std::string_view> record_view::header(std::string_view name) const {
  for (const header_view& h : headers()) {
    if (h.key == name) return h.value.value_or(std::string_view{});
  }
  return std::nullopt;
}

record_view::header_iterator::header_iterator(const char* p, const char* end,
                                              std::int32_t remaining)
    : p_(p), end_(end), remaining_(remaining) {
  if (remaining_ > 0) decode_current();
}

void record_view::header_iterator::decode_current() {
  std::optional<std::string_view> key;
  bool ok = get_nullable_bytes(&p_, end_, &key) && key.has_value() &&
            get_nullable_bytes(&p_, end_, &current_.value);
  // The record was validated by decode(); failing here is a bug, not bad input.
  CAIRN_ASSERT(ok, "header of a validated record failed to decode");
  current_.key = *key;
}

record_view::header_iterator& record_view::header_iterator::operator++() {
  --remaining_;
  if (remaining_ > 0) decode_current();
  return *this;
}

// ---- record_batch_view -----------------------------------------------------------------------

std::optional<std::int64_t> peek_batch_size(std::string_view bytes) {
  if (bytes.size() < L::kLogOverhead) return std::nullopt;
  auto length = load_be<std::int32_t>(bytes.data() + L::kBatchLength);
  if (length < 0) return std::nullopt;
  return static_cast<std::int64_t>(L::kLogOverhead) + length;
}

result<record_batch_view> record_batch_view::parse(std::string_view bytes,
                                                   std::int32_t batch_bytes_max,
                                                   std::size_t decompressed_bytes_max) {
  if (bytes.size() < L::kHeaderSize) return errc::batch_too_short;
  batch_header header = batch_header::read(bytes.data());
  if (header.batch_length < static_cast<std::int32_t>(L::kHeaderSize - L::kLogOverhead) ||
      header.size_bytes() > batch_bytes_max) {
    return errc::batch_length_invalid;
  }
  if (static_cast<std::int64_t>(bytes.size()) < header.size_bytes()) return errc::batch_too_short;
  if (header.magic != L::kMagicV2) return errc::unsupported_magic;

  std::string_view batch = bytes.substr(0, static_cast<std::size_t>(header.size_bytes()));
  // The CRC covers the records as stored, compressed or not: checked before any decompression.
  std::uint32_t crc = crc32c_extend(0, batch.data() + L::kCrcStart, batch.size() - L::kCrcStart);
  if (crc != header.crc) return errc::crc_mismatch;
  CAIRN_TRY(auto codec, codec_of_attributes(header.attributes));
  if (header.records_count < 0 || header.last_offset_delta < 0) return errc::record_count_invalid;

  std::string_view records = batch.substr(L::kHeaderSize);
  std::shared_ptr<const std::vector<char>> decoded;
  if (codec != compression_codec::none) {
    CAIRN_TRY(auto plain, decompress(codec, records, decompressed_bytes_max));
    decoded = std::make_shared<const std::vector<char>>(std::move(plain));
    records = std::string_view(decoded->data(), decoded->size());
  }

  // Walk every record once so that iteration later can trust the framing.
  const char* p = records.data();
  const char* end = records.data() + records.size();
  std::int64_t previous_delta = -1;
  for (std::int32_t i = 0; i < header.records_count; ++i) {
    if (p == end) return errc::record_count_invalid;
    std::int64_t delta = 0;
    p = skip_record(p, end, &delta);
    if (p == nullptr) return errc::record_malformed;
    if (delta <= previous_delta || delta > header.last_offset_delta) {
      return errc::offset_delta_invalid;
    }
    previous_delta = delta;
  }
  if (p != end) return errc::record_count_invalid;
  return record_batch_view(batch, header, std::move(decoded));
}

std::string_view record_batch_view::records_bytes() const {
  if (decoded_) return std::string_view(decoded_->data(), decoded_->size());
  return bytes_.substr(L::kHeaderSize);
}

record_batch_view::iterator record_batch_view::begin() const {
  std::string_view records = records_bytes();
  return iterator(records.data(), records.data() + records.size(), header_.records_count);
}

record_batch_view::iterator record_batch_view::end() const {
  return {};
}

record_batch_view::iterator::iterator(const char* p, const char* end, std::int32_t remaining)
    : p_(p), end_(end), remaining_(remaining) {
  if (remaining_ > 0) decode_current();
}

void record_batch_view::iterator::decode_current() {
  auto record = record_view::decode(&p_, end_);
  CAIRN_ASSERT(record.has_value(), "record of a validated batch failed to decode");
  current_ = *record;
}

record_batch_view::iterator& record_batch_view::iterator::operator++() {
  --remaining_;
  if (remaining_ > 0) decode_current();
  return *this;
}

record_batch_view record_batch_view::rebased(std::int64_t base_offset) const {
  CAIRN_ASSERT(load_be<std::int64_t>(bytes_.data() + L::kBaseOffset) == base_offset,
               "batch bytes carry base offset {}, not {}",
               load_be<std::int64_t>(bytes_.data() + L::kBaseOffset), base_offset);
  record_batch_view copy = *this;
  copy.header_.base_offset = base_offset;
  return copy;
}

record_batch_view record_batch_view::with_header(const batch_header& header) const {
  CAIRN_ASSERT(load_be<std::uint32_t>(bytes_.data() + L::kCrc) == header.crc,
               "the header given is not the one in the batch's bytes");
  record_batch_view copy = *this;
  copy.header_ = header;
  return copy;
}

void stamp_base_offset(std::span<char> batch, std::int64_t base_offset) {
  CAIRN_ASSERT(batch.size() >= L::kHeaderSize, "batch of {} bytes", batch.size());
  store_be(batch.data() + L::kBaseOffset, base_offset);
}

void stamp_partition_leader_epoch(std::span<char> batch, std::int32_t epoch) {
  CAIRN_ASSERT(batch.size() >= L::kHeaderSize, "batch of {} bytes", batch.size());
  store_be(batch.data() + L::kPartitionLeaderEpoch, epoch);
}

// ---- record_batch_builder --------------------------------------------------------------------

record_batch_builder::record_batch_builder(const options& opts) : options_(opts) {
  CAIRN_ASSERT((opts.attributes & L::kCompressionMask) == 0, "attributes {}", opts.attributes);
  buffer_.assign(L::kHeaderSize, '\0');
}

namespace {

int nullable_bytes_size(const std::optional<std::string_view>& bytes) {
  if (!bytes) return varlong_size(-1);
  return varlong_size(static_cast<std::int64_t>(bytes->size())) + static_cast<int>(bytes->size());
}

char* put_nullable_bytes(char* p, const std::optional<std::string_view>& bytes) {
  if (!bytes) return put_varlong(p, -1);
  p = put_varlong(p, static_cast<std::int64_t>(bytes->size()));
  std::memcpy(p, bytes->data(), bytes->size());
  return p + bytes->size();
}

std::int64_t record_body_bytes(const record_input& record, std::int64_t timestamp_delta,
                               std::int32_t offset_delta) {
  std::int64_t body = 1 /* attributes */ + varlong_size(timestamp_delta) +
                      varlong_size(offset_delta) + nullable_bytes_size(record.key) +
                      nullable_bytes_size(record.value) +
                      varlong_size(static_cast<std::int64_t>(record.headers.size()));
  for (const header_view& h : record.headers) {
    body += nullable_bytes_size(h.key) + nullable_bytes_size(h.value);
  }
  return body;
}

}  // namespace

std::size_t record_batch_builder::record_size_bytes(const record_input& record,
                                                    std::int64_t timestamp_delta,
                                                    std::int32_t offset_delta) {
  std::int64_t body = record_body_bytes(record, timestamp_delta, offset_delta);
  return static_cast<std::size_t>(varlong_size(body) + body);
}

std::size_t record_batch_builder::record_size_bytes(const record_input& record) const {
  // Mirrors add(): the first record sets the base timestamp unless the options fix it.
  std::int64_t base =
      count_ == 0 ? options_.base_timestamp.value_or(record.timestamp_ms) : base_timestamp_;
  return record_size_bytes(record, record.timestamp_ms - base, previous_offset_delta_ + 1);
}

void record_batch_builder::set_producer_state(std::int64_t producer_id, std::int16_t producer_epoch,
                                              std::int32_t base_sequence) {
  options_.producer_id = producer_id;
  options_.producer_epoch = producer_epoch;
  options_.base_sequence = base_sequence;
}

void record_batch_builder::add(const record_input& record,
                               std::optional<std::int32_t> offset_delta) {
  std::int32_t delta = offset_delta.value_or(previous_offset_delta_ + 1);
  CAIRN_ASSERT(delta > previous_offset_delta_, "offset delta {} after {}", delta,
               previous_offset_delta_);
  if (count_ == 0) {
    base_timestamp_ = options_.base_timestamp.value_or(record.timestamp_ms);
    max_timestamp_ = record.timestamp_ms;
  }
  max_timestamp_ = std::max(max_timestamp_, record.timestamp_ms);
  std::int64_t timestamp_delta = record.timestamp_ms - base_timestamp_;

  std::int64_t body = record_body_bytes(record, timestamp_delta, delta);
  std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + static_cast<std::size_t>(varlong_size(body) + body));
  char* p = buffer_.data() + old_size;
  p = put_varlong(p, body);
  *p++ = 0;  // record attributes: unused in v2
  p = put_varlong(p, timestamp_delta);
  p = put_varlong(p, delta);
  p = put_nullable_bytes(p, record.key);
  p = put_nullable_bytes(p, record.value);
  p = put_varlong(p, static_cast<std::int64_t>(record.headers.size()));
  for (const header_view& h : record.headers) {
    p = put_nullable_bytes(p, h.key);
    p = put_nullable_bytes(p, h.value);
  }
  CAIRN_ASSERT(p == buffer_.data() + buffer_.size(), "record size computed wrongly");
  previous_offset_delta_ = delta;
  ++count_;
}

std::string record_batch_builder::finish() {
  // An empty batch only keeps an offset range that compaction emptied: it must say which.
  CAIRN_ASSERT(count_ > 0 || last_offset_delta_.has_value(), "a batch needs at least one record");
  if (count_ == 0) {
    base_timestamp_ = options_.base_timestamp.value_or(0);
    max_timestamp_ = base_timestamp_;
  }
  std::int32_t last_delta = last_offset_delta_.value_or(previous_offset_delta_);
  CAIRN_ASSERT(last_delta >= previous_offset_delta_, "last offset delta {} < {}", last_delta,
               previous_offset_delta_);
  std::int16_t attributes = options_.attributes;
  if (options_.compression != compression_codec::none) {
    std::string_view records = std::string_view(buffer_).substr(L::kHeaderSize);
    auto compressed = compress(options_.compression, records);
    // Compressing bytes in memory fails only when the library cannot allocate.
    CAIRN_ASSERT(compressed.has_value(), "{} compression failed: {}",
                 codec_name(options_.compression), compressed.error().message());
    if (compressed.value().size() < records.size()) {
      buffer_.resize(L::kHeaderSize);
      buffer_.append(compressed.value().data(), compressed.value().size());
      attributes =
          static_cast<std::int16_t>(attributes | static_cast<std::int16_t>(options_.compression));
    }
  }
  char* h = buffer_.data();
  store_be(h + L::kBaseOffset, options_.base_offset);
  store_be(h + L::kBatchLength, static_cast<std::int32_t>(buffer_.size() - L::kLogOverhead));
  store_be(h + L::kPartitionLeaderEpoch, options_.partition_leader_epoch);
  store_be(h + L::kMagic, L::kMagicV2);
  store_be(h + L::kAttributes, attributes);
  store_be(h + L::kLastOffsetDelta, last_delta);
  store_be(h + L::kBaseTimestamp, base_timestamp_);
  store_be(h + L::kMaxTimestamp, options_.max_timestamp.value_or(max_timestamp_));
  store_be(h + L::kProducerId, options_.producer_id);
  store_be(h + L::kProducerEpoch, options_.producer_epoch);
  store_be(h + L::kBaseSequence, options_.base_sequence);
  store_be(h + L::kRecordsCount, count_);
  std::uint32_t crc = crc32c_extend(0, h + L::kCrcStart, buffer_.size() - L::kCrcStart);
  store_be(h + L::kCrc, crc);

  std::string out = std::move(buffer_);
  buffer_.assign(L::kHeaderSize, '\0');
  count_ = 0;
  previous_offset_delta_ = -1;
  last_offset_delta_.reset();
  return out;
}

}  // namespace cairn::eventstore
