// Compressed record batches: validated over their stored bytes and every decoded record, and
// iterated exactly as the same records uncompressed.
#include <snappy.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "eventstore/errc.h"
#include "eventstore/record/crc32c.h"
#include "eventstore/record/record_batch.h"

using namespace cairn::eventstore;
namespace L = batch_layout;

namespace {

const compression_codec kCodecs[] = {compression_codec::gzip, compression_codec::snappy,
                                     compression_codec::lz4, compression_codec::zstd};

// Records that compress: repeated field names and similar values, as events are.
std::string build(std::int32_t count, compression_codec codec, std::int64_t base_offset = 0) {
  record_batch_builder builder({.base_offset = base_offset,
                                .attributes = L::kTimestampTypeLogAppend,
                                .compression = codec,
                                .base_timestamp = 5000});
  for (std::int32_t i = 0; i < count; ++i) {
    std::string key = "account-" + std::to_string(i % 7);
    std::string value =
        "{\"type\":\"payments.PaymentAuthorized.v1\",\"amount_cents\":" + std::to_string(i * 100) +
        "}";
    header_view headers[] = {{"type", "payments.PaymentAuthorized.v1"}, {"trace", std::nullopt}};
    std::optional<std::string_view> v = value;
    if (i % 10 == 9) v = std::nullopt;  // a tombstone now and then
    builder.add({.key = key, .value = v, .headers = headers, .timestamp_ms = 5000 + i},
                i * 2);  // gaps, as compaction leaves
  }
  return builder.finish();
}

struct flat_record {
  std::int64_t offset;
  std::int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const flat_record&) const = default;
};

std::vector<flat_record> flatten(const record_batch_view& b) {
  std::vector<flat_record> out;
  for (const record_view& r : b) {
    flat_record f{b.base_offset() + r.offset_delta,
                  b.header().base_timestamp + r.timestamp_delta,
                  std::nullopt,
                  std::nullopt,
                  {}};
    if (r.key) f.key = std::string(*r.key);
    if (r.value) f.value = std::string(*r.value);
    for (const header_view& h : r.headers()) {
      f.headers.emplace_back(std::string(h.key),
                             h.value ? std::optional<std::string>(*h.value) : std::nullopt);
    }
    out.push_back(std::move(f));
  }
  return out;
}

void fix_length_and_crc(std::string& batch) {
  store_be(batch.data() + L::kBatchLength,
           static_cast<std::int32_t>(batch.size() - L::kLogOverhead));
  store_be(batch.data() + L::kCrc,
           crc32c_extend(0, batch.data() + L::kCrcStart, batch.size() - L::kCrcStart));
}

// `plain` with its records section replaced by `records`, under codec `codec`.
std::string with_records(const std::string& plain, std::string_view records, std::int16_t codec) {
  std::string out = plain.substr(0, L::kHeaderSize);
  out += records;
  auto attributes = load_be<std::int16_t>(out.data() + L::kAttributes);
  store_be(out.data() + L::kAttributes,
           static_cast<std::int16_t>((attributes & ~L::kCompressionMask) | codec));
  fix_length_and_crc(out);
  return out;
}

}  // namespace

TEST_CASE("a compressed batch iterates the same records as the uncompressed one",
          "[batch][compression]") {
  const std::string plain = build(200, compression_codec::none, 40);
  auto plain_view = record_batch_view::parse(plain);
  REQUIRE(plain_view);
  CHECK(plain_view.value().compression() == compression_codec::none);
  for (compression_codec codec : kCodecs) {
    INFO(codec_name(codec));
    const std::string packed = build(200, codec, 40);
    CHECK(packed.size() < plain.size() / 2);
    auto view = record_batch_view::parse(packed);
    REQUIRE(view);
    const record_batch_view& b = view.value();
    CHECK(b.compression() == codec);
    CHECK((b.header().attributes & L::kCompressionMask) == static_cast<int>(codec));
    CHECK((b.header().attributes & L::kTimestampTypeLogAppend) != 0);  // other bits kept
    CHECK(b.size_bytes() == packed.size());
    CHECK(b.bytes() == packed);  // the view is over the stored (compressed) bytes
    CHECK(b.records_bytes() == plain_view.value().records_bytes());
    CHECK(b.records_count() == 200);
    CHECK(b.last_offset() == 40 + 398);
    CHECK(flatten(b) == flatten(plain_view.value()));
  }
}

TEST_CASE("a compressed view owns its records: copies and rebased views outlive the parsed one",
          "[batch][compression]") {
  std::string packed = build(50, compression_codec::zstd);
  std::vector<flat_record> expected = flatten(record_batch_view::parse(packed).value());
  std::optional<record_batch_view> kept;
  {
    auto parsed = record_batch_view::parse(packed);
    REQUIRE(parsed);
    stamp_base_offset(packed, 1000);
    kept = parsed.value().rebased(1000);
  }
  std::vector<flat_record> seen = flatten(*kept);
  REQUIRE(seen.size() == expected.size());
  CHECK(seen.front().offset == 1000);
  CHECK(seen.back().key == expected.back().key);
  // Stamping the base offset leaves the compressed records and the CRC valid.
  auto reparsed = record_batch_view::parse(packed);
  REQUIRE(reparsed);
  CHECK(reparsed.value().compression() == compression_codec::zstd);
  CHECK(flatten(reparsed.value()) == seen);
}

TEST_CASE("the builder stores records uncompressed when compressing does not shrink them",
          "[batch][compression]") {
  for (compression_codec codec : kCodecs) {
    record_batch_builder builder({.compression = codec});
    builder.add({.key = std::string_view("k"), .value = std::string_view("v"), .timestamp_ms = 1});
    std::string bytes = builder.finish();
    auto view = record_batch_view::parse(bytes);
    REQUIRE(view);
    CHECK(view.value().compression() == compression_codec::none);
    CHECK(flatten(view.value()).size() == 1);
  }
}

TEST_CASE("a raw snappy records section (librdkafka's) parses", "[batch][compression]") {
  const std::string plain = build(100, compression_codec::none);
  std::string_view records = std::string_view(plain).substr(L::kHeaderSize);
  std::string raw;
  snappy::Compress(records.data(), records.size(), &raw);
  std::string batch = with_records(plain, raw, 2);
  auto view = record_batch_view::parse(batch);
  REQUIRE(view);
  CHECK(flatten(view.value()) == flatten(record_batch_view::parse(plain).value()));
}

TEST_CASE("compressed batches that lie are refused with the reason",
          "[batch][compression][bad-input]") {
  const std::string plain = build(20, compression_codec::none);
  std::string_view records = std::string_view(plain).substr(L::kHeaderSize);
  SECTION("the CRC is checked over the compressed bytes, before decompressing") {
    std::string packed = build(20, compression_codec::gzip);
    packed[packed.size() - 10] ^= 0x40;
    CHECK(record_batch_view::parse(packed).error() == errc::crc_mismatch);
  }
  SECTION("an unknown codec") {
    for (std::int16_t codec : {5, 6, 7}) {
      CHECK(record_batch_view::parse(with_records(plain, records, codec)).error() ==
            errc::unsupported_compression);
    }
  }
  SECTION("records that are not a stream of the codec (valid CRC)") {
    for (compression_codec codec : kCodecs) {
      auto batch = with_records(plain, records, static_cast<std::int16_t>(codec));
      CHECK(record_batch_view::parse(batch).error() == errc::corrupt_compressed_batch);
    }
  }
  SECTION("a truncated stream (valid CRC)") {
    for (compression_codec codec :
         {compression_codec::gzip, compression_codec::lz4, compression_codec::zstd}) {
      auto packed = compress(codec, records).value();
      auto batch = with_records(plain, std::string_view(packed.data(), packed.size() - 3),
                                static_cast<std::int16_t>(codec));
      CHECK(record_batch_view::parse(batch).error() == errc::corrupt_compressed_batch);
    }
  }
  SECTION("records that decompress past the limit") {
    std::string big = build(2000, compression_codec::lz4);
    CHECK(record_batch_view::parse(big, kBatchBytesMaxDefault, 10'000).error() ==
          errc::decompressed_batch_too_large);
    CHECK(record_batch_view::parse(big, kBatchBytesMaxDefault, 1'000'000));
  }
  SECTION("decoded records that disagree with the header") {
    for (compression_codec codec : kCodecs) {
      INFO(codec_name(codec));
      // One record short: the count says 20.
      std::string_view fewer = records.substr(0, records.size() - 1);
      auto packed = compress(codec, fewer).value();
      auto batch =
          with_records(plain, {packed.data(), packed.size()}, static_cast<std::int16_t>(codec));
      CHECK(record_batch_view::parse(batch).error() == errc::record_malformed);
      // One record too many.
      std::string more(records);
      more += records.substr(0, records.size() / 20);
      packed = compress(codec, more).value();
      batch = with_records(plain, {packed.data(), packed.size()}, static_cast<std::int16_t>(codec));
      CHECK_FALSE(record_batch_view::parse(batch));
    }
  }
}

TEST_CASE("parse never crashes on damaged decoded records with a valid CRC",
          "[batch][compression][bad-input]") {
  std::mt19937_64 prng(17);
  const std::string plain = build(10, compression_codec::none);
  std::string_view records = std::string_view(plain).substr(L::kHeaderSize);
  for (compression_codec codec : kCodecs) {
    for (int round = 0; round < 300; ++round) {
      std::string damaged(records);
      for (int flips = 1 + static_cast<int>(prng() % 4); flips > 0; --flips) {
        damaged[prng() % damaged.size()] = static_cast<char>(prng());
      }
      auto packed = compress(codec, damaged).value();
      // Damage to the compressed bytes too, half of the time.
      if (round % 2 == 1) packed[prng() % packed.size()] = static_cast<char>(prng());
      auto batch =
          with_records(plain, {packed.data(), packed.size()}, static_cast<std::int16_t>(codec));
      auto view = record_batch_view::parse(batch);
      if (view) {
        std::int32_t seen = 0;
        for (const record_view& r : view.value()) {
          for (const header_view& h : r.headers())
            (void)h;
          ++seen;
        }
        CHECK(seen == view.value().records_count());
      }
    }
  }
}
