// message.timestamp.type on a batch's bytes: the leader's LogAppendTime stamp changes exactly
// the attributes, maxTimestamp and CRC (Kafka's LogValidator), leaves compressed records as
// they were, and every record then reads the stamp as its timestamp.
#include "eventstore/record/timestamp_type.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "eventstore/record/crc32c.h"
#include "eventstore/record/endian.h"

using namespace cairn::eventstore;
namespace L = batch_layout;

namespace {

constexpr std::int64_t kCreated = 1'600'000'000'000;  // the producer's clock: long ago
constexpr std::int64_t kNow = 1'800'000'000'000;      // the broker's

std::string build(compression_codec codec, std::int16_t attributes = 0) {
  record_batch_builder builder({.attributes = attributes,
                                .compression = codec,
                                .producer_id = 7,
                                .producer_epoch = 0,
                                .base_sequence = 0});
  for (int i = 0; i < 20; ++i) {
    std::string value = "{\"type\":\"orders.Placed.v1\",\"n\":" + std::to_string(i) + "}";
    builder.add({.key = "order", .value = value, .timestamp_ms = kCreated + 10 * i});
  }
  return builder.finish();
}

record_batch_view parse_ok(const std::string& bytes) {
  auto view = record_batch_view::parse(bytes);
  REQUIRE(view);
  return view.value();
}

std::vector<std::int64_t> timestamps(const record_batch_view& batch) {
  std::vector<std::int64_t> out;
  for (const record_view& r : batch)
    out.push_back(record_timestamp(batch, r));
  return out;
}

}  // namespace

TEST_CASE("LogAppendTime stamps attributes and maxTimestamp and recomputes the CRC", "[record]") {
  for (compression_codec codec : {compression_codec::none, compression_codec::gzip,
                                  compression_codec::lz4, compression_codec::zstd}) {
    INFO("codec " << static_cast<int>(codec));
    std::string bytes = build(codec);
    const std::string before = bytes;
    record_batch_view view = parse_ok(bytes);
    CHECK(view.compression() == codec);
    CHECK(timestamps(view).front() == kCreated);

    record_batch_view stamped =
        apply_timestamp_type(bytes, view, timestamp_type::log_append_time, kNow);

    // Only attributes, maxTimestamp and the CRC changed; the records (compressed or not) and
    // every other header field are the producer's bytes.
    CHECK(bytes.substr(L::kHeaderSize) == before.substr(L::kHeaderSize));
    CHECK(bytes.substr(0, L::kCrc) == before.substr(0, L::kCrc));
    CHECK(bytes.substr(L::kLastOffsetDelta, L::kMaxTimestamp - L::kLastOffsetDelta) ==
          before.substr(L::kLastOffsetDelta, L::kMaxTimestamp - L::kLastOffsetDelta));
    CHECK(bytes.substr(L::kProducerId, L::kHeaderSize - L::kProducerId) ==
          before.substr(L::kProducerId, L::kHeaderSize - L::kProducerId));
    CHECK(load_be<std::uint32_t>(bytes.data() + L::kCrc) ==
          crc32c(std::string_view(bytes).substr(L::kCrcStart)));

    // The view returned and a fresh parse agree: valid, LogAppendTime, every record at kNow.
    record_batch_view reparsed = parse_ok(bytes);
    for (const record_batch_view& b : {stamped, reparsed}) {
      CHECK(is_log_append_time(b.header()));
      CHECK(b.compression() == codec);
      CHECK(b.header().max_timestamp == kNow);
      CHECK(b.header().base_timestamp == kCreated);  // Kafka leaves it as the producer set it
      CHECK(b.header().crc == load_be<std::uint32_t>(bytes.data() + L::kCrc));
      CHECK(timestamps(b) == std::vector<std::int64_t>(20, kNow));
    }
  }
}

TEST_CASE("a CreateTime topic keeps a producer's batch byte for byte", "[record]") {
  std::string bytes = build(compression_codec::none);
  const std::string before = bytes;
  record_batch_view view = parse_ok(bytes);
  record_batch_view kept = apply_timestamp_type(bytes, view, timestamp_type::create_time, kNow);
  CHECK(bytes == before);
  CHECK(kept.header().max_timestamp == kCreated + 190);
  CHECK_FALSE(is_log_append_time(kept.header()));
  CHECK(timestamps(kept).back() == kCreated + 190);
}

TEST_CASE("a CreateTime topic takes back a producer's claim of LogAppendTime", "[record]") {
  // The builder computes maxTimestamp from the records; a producer claiming LogAppendTime would
  // put any value there. Kafka's validator rewrites both for a CreateTime topic.
  std::string bytes = build(compression_codec::gzip, L::kTimestampTypeLogAppend);
  store_be(bytes.data() + L::kMaxTimestamp, std::int64_t{42});
  store_be(bytes.data() + L::kCrc, crc32c(std::string_view(bytes).substr(L::kCrcStart)));
  record_batch_view view = parse_ok(bytes);
  CHECK(timestamps(view).front() == 42);

  record_batch_view fixed = apply_timestamp_type(bytes, view, timestamp_type::create_time, kNow);
  CHECK_FALSE(is_log_append_time(fixed.header()));
  CHECK(fixed.header().max_timestamp == kCreated + 190);
  CHECK(fixed.compression() == compression_codec::gzip);
  record_batch_view reparsed = parse_ok(bytes);
  CHECK(timestamps(reparsed).front() == kCreated);
  CHECK(timestamps(reparsed).back() == kCreated + 190);
}

TEST_CASE("timestamp type names are Kafka's", "[record]") {
  CHECK(to_string(timestamp_type::create_time) == "CreateTime");
  CHECK(to_string(timestamp_type::log_append_time) == "LogAppendTime");
  CHECK(timestamp_type_from_string("LogAppendTime") == timestamp_type::log_append_time);
  CHECK(timestamp_type_from_string("CreateTime") == timestamp_type::create_time);
  CHECK_FALSE(timestamp_type_from_string("logappendtime"));
  CHECK_FALSE(timestamp_type_from_string(""));
}
