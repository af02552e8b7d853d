#include "eventstore/record/record_batch.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "eventstore/errc.h"
#include "eventstore/record/crc32c.h"

using namespace cairn::eventstore;
using namespace std::string_view_literals;

namespace {

// One record (key "k", value "v", timestamp 1000, no headers) laid out by hand from the
// RecordBatch v2 section of the Kafka documentation. The CRC was computed with an independent
// bit-by-bit CRC32C.
const std::string kHandLaidBatch = std::string(
    "\x00\x00\x00\x00\x00\x00\x00\x00"  // baseOffset 0
    "\x00\x00\x00\x3a"                  // batchLength 58
    "\xff\xff\xff\xff"                  // partitionLeaderEpoch -1
    "\x02"                              // magic
    "\x71\x6a\x61\x89"                  // crc
    "\x00\x00"                          // attributes
    "\x00\x00\x00\x00"                  // lastOffsetDelta 0
    "\x00\x00\x00\x00\x00\x00\x03\xe8"  // baseTimestamp 1000
    "\x00\x00\x00\x00\x00\x00\x03\xe8"  // maxTimestamp 1000
    "\xff\xff\xff\xff\xff\xff\xff\xff"  // producerId -1
    "\xff\xff"                          // producerEpoch -1
    "\xff\xff\xff\xff"                  // baseSequence -1
    "\x00\x00\x00\x01"                  // 1 record
    "\x10"                              // record length 8 (zig-zag)
    "\x00"                              // attributes
    "\x00"                              // timestampDelta 0
    "\x00"                              // offsetDelta 0
    "\x02k"                             // key
    "\x02v"                             // value
    "\x00",                             // no headers
    70);

std::string build(std::int32_t count, std::int64_t base_offset = 0) {
  record_batch_builder builder({.base_offset = base_offset});
  std::vector<std::string> keys;
  for (std::int32_t i = 0; i < count; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::string value = "value-" + std::to_string(i);
    header_view headers[] = {{"type", "test.Event.v1"}, {"null-header", std::nullopt}};
    builder.add({.key = key, .value = value, .headers = headers, .timestamp_ms = 1000 + i});
  }
  return builder.finish();
}

}  // namespace

TEST_CASE("the builder lays out a batch byte for byte as the protocol documentation", "[batch]") {
  record_batch_builder builder;
  builder.add({.key = "k"sv, .value = "v"sv, .timestamp_ms = 1000});
  CHECK(builder.finish() == kHandLaidBatch);
}

TEST_CASE("a hand-laid batch parses and its fields read back", "[batch]") {
  auto batch = record_batch_view::parse(kHandLaidBatch);
  REQUIRE(batch);
  CHECK(batch.value().size_bytes() == 70);
  CHECK(batch.value().records_count() == 1);
  CHECK(batch.value().header().base_timestamp == 1000);
  CHECK(batch.value().header().producer_id == -1);
  int seen = 0;
  for (const record_view& r : batch.value()) {
    CHECK(r.key == "k");
    CHECK(r.value == "v");
    CHECK(r.header_count == 0);
    ++seen;
  }
  CHECK(seen == 1);
}

TEST_CASE("records, keys, null values and headers round-trip", "[batch]") {
  record_batch_builder builder(
      {.base_offset = 100, .producer_id = 7, .producer_epoch = 1, .base_sequence = 40});
  header_view headers[] = {{"type", "payments.PaymentAuthorized.v1"}, {"empty", ""}, {"nil", {}}};
  builder.add({.key = "a", .value = "1", .headers = headers, .timestamp_ms = 5000});
  builder.add({.key = std::nullopt, .value = "2", .timestamp_ms = 4000});
  builder.add({.key = "a", .value = std::nullopt, .timestamp_ms = 6000});
  std::string bytes = builder.finish();

  auto parsed = record_batch_view::parse(bytes);
  REQUIRE(parsed);
  const auto& batch = parsed.value();
  CHECK(batch.base_offset() == 100);
  CHECK(batch.last_offset() == 102);
  CHECK(batch.header().max_timestamp == 6000);
  CHECK(batch.header().producer_id == 7);
  CHECK(batch.header().base_sequence == 40);

  std::vector<record_view> records(batch.begin(), batch.end());
  REQUIRE(records.size() == 3);
  CHECK(records[0].key == "a");
  CHECK(records[0].header("type") == "payments.PaymentAuthorized.v1");
  CHECK(records[0].header("empty") == "");
  CHECK(records[0].header("nil") == "");
  CHECK_FALSE(records[0].header("missing"));
  std::vector<header_view> read_headers(records[0].headers().begin(), records[0].headers().end());
  REQUIRE(read_headers.size() == 3);
  CHECK_FALSE(read_headers[2].value.has_value());
  CHECK_FALSE(records[1].key.has_value());
  CHECK(records[1].timestamp_delta == -1000);
  CHECK_FALSE(records[2].value.has_value());
  CHECK(records[2].offset_delta == 2);
}

TEST_CASE("stamping base offset and leader epoch keeps the CRC valid", "[batch]") {
  std::string bytes = build(3);
  stamp_base_offset(bytes, 1234);
  stamp_partition_leader_epoch(bytes, 9);
  auto batch = record_batch_view::parse(bytes);
  REQUIRE(batch);
  CHECK(batch.value().base_offset() == 1234);
  CHECK(batch.value().header().partition_leader_epoch == 9);
}

TEST_CASE("producer state set before finish lands inside the CRC", "[batch]") {
  record_batch_builder builder;
  builder.add({.key = "k"sv, .value = "v"sv, .timestamp_ms = 1000});
  builder.set_producer_state(77, 3, 42);
  std::string bytes = builder.finish();
  auto batch = record_batch_view::parse(bytes);
  REQUIRE(batch);
  CHECK(batch.value().header().producer_id == 77);
  CHECK(batch.value().header().producer_epoch == 3);
  CHECK(batch.value().header().base_sequence == 42);
}

TEST_CASE("record_size_bytes predicts what add appends", "[batch]") {
  record_batch_builder builder;
  header_view headers[] = {{"type", "test.Event.v1"}, {"nil", std::nullopt}};
  std::string big_value(300, 'x');
  record_input records[] = {
      {.key = "k"sv, .value = "v"sv, .timestamp_ms = 5000},
      {.key = std::nullopt, .value = big_value, .headers = headers, .timestamp_ms = 4000},
      {.key = "key"sv, .value = std::nullopt, .timestamp_ms = 5000 + 100000},
  };
  CHECK(record_batch_builder::record_size_bytes(records[0], 0, 0) ==
        builder.record_size_bytes(records[0]));
  for (const record_input& r : records) {
    std::size_t before = builder.size_bytes();
    std::size_t predicted = builder.record_size_bytes(r);
    builder.add(r);
    CHECK(builder.size_bytes() - before == predicted);
  }
}

TEST_CASE("parse rejects every truncation of a batch", "[batch][bad-input]") {
  std::string bytes = build(4);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto batch = record_batch_view::parse(std::string_view(bytes).substr(0, cut));
    REQUIRE_FALSE(batch);
    CHECK(batch.error() == errc::batch_too_short);
  }
}

TEST_CASE("parse rejects any flipped byte inside the CRC range", "[batch][bad-input]") {
  std::string bytes = build(4);
  for (std::size_t i = batch_layout::kCrcStart; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x40);
    CHECK_FALSE(record_batch_view::parse(damaged));
  }
}

TEST_CASE("parse names what is wrong with a bad header", "[batch][bad-input]") {
  std::string bytes = build(2);
  SECTION("negative length") {
    store_be(bytes.data() + batch_layout::kBatchLength, std::int32_t{-5});
    CHECK(record_batch_view::parse(bytes).error() == errc::batch_length_invalid);
  }
  SECTION("length beyond the maximum") {
    CHECK(record_batch_view::parse(bytes, 20).error() == errc::batch_length_invalid);
  }
  SECTION("old magic") {
    bytes[batch_layout::kMagic] = 1;
    CHECK(record_batch_view::parse(bytes).error() == errc::unsupported_magic);
  }
  SECTION("a gzip codec over records that are not gzip, with a valid CRC") {
    store_be(bytes.data() + batch_layout::kAttributes, std::int16_t{1});
    std::uint32_t crc = crc32c_extend(0, bytes.data() + batch_layout::kCrcStart,
                                      bytes.size() - batch_layout::kCrcStart);
    store_be(bytes.data() + batch_layout::kCrc, crc);
    CHECK(record_batch_view::parse(bytes).error() == errc::corrupt_compressed_batch);
  }
  SECTION("an unknown codec, with a valid CRC") {
    store_be(bytes.data() + batch_layout::kAttributes, std::int16_t{5});
    std::uint32_t crc = crc32c_extend(0, bytes.data() + batch_layout::kCrcStart,
                                      bytes.size() - batch_layout::kCrcStart);
    store_be(bytes.data() + batch_layout::kCrc, crc);
    CHECK(record_batch_view::parse(bytes).error() == errc::unsupported_compression);
  }
  SECTION("a record count that disagrees with the records, CRC fixed up") {
    store_be(bytes.data() + batch_layout::kRecordsCount, std::int32_t{3});
    std::uint32_t crc = crc32c_extend(0, bytes.data() + batch_layout::kCrcStart,
                                      bytes.size() - batch_layout::kCrcStart);
    store_be(bytes.data() + batch_layout::kCrc, crc);
    CHECK(record_batch_view::parse(bytes).error() == errc::record_count_invalid);
  }
}

TEST_CASE("parse never crashes on random bytes with a valid CRC", "[batch][bad-input]") {
  std::mt19937_64 prng(7);
  std::string bytes = build(5);
  for (int round = 0; round < 2000; ++round) {
    std::string damaged = bytes;
    int flips = 1 + static_cast<int>(prng() % 8);
    for (int f = 0; f < flips; ++f) {
      std::size_t at =
          batch_layout::kHeaderSize + prng() % (bytes.size() - batch_layout::kHeaderSize);
      damaged[at] = static_cast<char>(prng());
    }
    std::uint32_t crc = crc32c_extend(0, damaged.data() + batch_layout::kCrcStart,
                                      damaged.size() - batch_layout::kCrcStart);
    store_be(damaged.data() + batch_layout::kCrc, crc);
    auto batch = record_batch_view::parse(damaged);
    if (batch) {
      // When it still parses, iterating it must be safe and see every record.
      std::int32_t seen = 0;
      for (const record_view& r : batch.value()) {
        for (const header_view& h : r.headers())
          (void)h;
        ++seen;
      }
      CHECK(seen == batch.value().records_count());
    }
  }
}

TEST_CASE("parse reads one batch from a buffer holding several", "[batch]") {
  std::string two = build(2, 0) + build(3, 2);
  auto first = record_batch_view::parse(two);
  REQUIRE(first);
  CHECK(peek_batch_size(two) == static_cast<std::int64_t>(first.value().size_bytes()));
  auto second = record_batch_view::parse(std::string_view(two).substr(first.value().size_bytes()));
  REQUIRE(second);
  CHECK(second.value().base_offset() == 2);
  CHECK(second.value().records_count() == 3);
}
