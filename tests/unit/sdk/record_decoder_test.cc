#include "sdk/client/record_decoder.h"

#include <catch2/catch.hpp>

#include "eventstore/record/control_batch.h"
#include "eventstore/record/record_batch.h"
#include "eventstore/record/timestamp_type.h"
#include "protocol/wire_errc.h"

namespace {

using namespace cairn;

std::string batch(std::int64_t base_offset, int count, std::int64_t ts = 1'000,
                  eventstore::compression_codec codec = eventstore::compression_codec::none) {
  eventstore::record_batch_builder b({.base_offset = base_offset, .compression = codec});
  std::vector<eventstore::header_view> headers{{"h", "v"}};
  for (int i = 0; i < count; ++i) {
    std::string value = std::to_string(base_offset + i);
    b.add({.key = "k", .value = value, .headers = headers, .timestamp_ms = ts + i});
  }
  return b.finish();
}

}  // namespace

TEST_CASE("decode_records skips below the position and keeps every field", "[sdk][decoder]") {
  std::string bytes = batch(10, 5) + batch(15, 3);
  std::vector<consumer_record> out;
  auto next = sdk::decode_records("t", 2, bytes, 12, 100, out);
  REQUIRE(next);
  CHECK(next.value() == 18);
  REQUIRE(out.size() == 6);
  CHECK(out[0].offset == 12);
  CHECK(out[0].value == "12");
  CHECK(out[0].key == "k");
  CHECK(out[0].timestamp_ms == 1'002);
  CHECK(out[0].partition == 2);
  CHECK(out[0].topic == "t");
  REQUIRE(out[0].headers.size() == 1);
  CHECK(out[0].headers[0].value == "v");
  CHECK(out.back().offset == 17);
}

TEST_CASE("decode_records stops at records_max and resumes there", "[sdk][decoder]") {
  std::string bytes = batch(0, 10);
  std::vector<consumer_record> out;
  auto next = sdk::decode_records("t", 0, bytes, 0, 4, out);
  REQUIRE(next);
  CHECK(next.value() == 4);
  CHECK(out.size() == 4);
  out.clear();
  next = sdk::decode_records("t", 0, bytes, 4, 100, out);
  REQUIRE(next);
  CHECK(next.value() == 10);
  CHECK(out.front().offset == 4);
}

TEST_CASE("decode_records reports the whole batches it took", "[sdk][decoder]") {
  std::string first = batch(0, 3);
  std::string bytes = first + batch(3, 3);
  std::vector<consumer_record> out;
  std::size_t consumed = 99;
  auto next = sdk::decode_records("t", 0, bytes, 0, 4, out, &consumed);
  REQUIRE(next);
  CHECK(next.value() == 4);
  CHECK(consumed == first.size());  // the second batch was only partly taken
  out.clear();
  next =
      sdk::decode_records("t", 0, std::string_view(bytes).substr(consumed), 4, 100, out, &consumed);
  REQUIRE(next);
  CHECK(next.value() == 6);
  CHECK(out.size() == 2);
  CHECK(consumed == bytes.size() - first.size());
}

TEST_CASE("decode_records ignores a cut tail and refuses damage", "[sdk][decoder]") {
  std::string whole = batch(0, 3);
  std::string bytes = whole + batch(3, 3).substr(0, 20);
  std::vector<consumer_record> out;
  auto next = sdk::decode_records("t", 0, bytes, 0, 100, out);
  REQUIRE(next);
  CHECK(next.value() == 3);
  CHECK(out.size() == 3);

  std::string damaged = whole;
  damaged[damaged.size() - 2] ^= 0x5a;  // inside the CRC's span
  out.clear();
  auto bad = sdk::decode_records("t", 0, damaged, 0, 100, out);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == protocol::errc::corrupt_batch);
}

TEST_CASE("decode_records moves past a batch wholly below the position", "[sdk][decoder]") {
  std::string bytes = batch(0, 3);
  std::vector<consumer_record> out;
  auto next = sdk::decode_records("t", 0, bytes, 3, 100, out);
  REQUIRE(next);
  CHECK(out.empty());
  CHECK(next.value() == 3);
}

TEST_CASE("decode_records skips control batches and moves past them", "[sdk][decoder]") {
  // A replicated partition starts each leader's term with a control batch (the Raft no-op).
  std::string noop = eventstore::build_control_batch({.type = eventstore::control_type::raft_noop},
                                                     {.base_offset = 0, .timestamp_ms = 1});
  std::string bytes = noop + batch(1, 2);
  std::vector<consumer_record> out;
  auto next = sdk::decode_records("t", 0, bytes, 0, 100, out);
  REQUIRE(next);
  CHECK(next.value() == 3);
  REQUIRE(out.size() == 2);
  CHECK(out[0].offset == 1);
  CHECK(out[1].offset == 2);
}

TEST_CASE("decode_records reads compressed batches as uncompressed ones",
          "[sdk][decoder][compression]") {
  using eventstore::compression_codec;
  std::string plain = batch(10, 50) + batch(60, 50);
  std::vector<consumer_record> expected;
  REQUIRE(sdk::decode_records("t", 1, plain, 0, 1000, expected));
  REQUIRE(expected.size() == 100);
  for (compression_codec codec : {compression_codec::gzip, compression_codec::snappy,
                                  compression_codec::lz4, compression_codec::zstd}) {
    INFO(eventstore::codec_name(codec));
    std::string first = batch(10, 50, 1'000, codec);
    std::string packed = first + batch(60, 50, 1'000, codec);
    REQUIRE(eventstore::record_batch_view::parse(first).value().compression() == codec);
    std::vector<consumer_record> out;
    std::size_t consumed = 0;
    auto next = sdk::decode_records("t", 1, packed, 0, 1000, out, &consumed);
    REQUIRE(next);
    CHECK(next.value() == 110);
    CHECK(consumed == packed.size());
    REQUIRE(out.size() == expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      CHECK(out[i].offset == expected[i].offset);
      CHECK(out[i].key == expected[i].key);
      CHECK(out[i].value == expected[i].value);
      CHECK(out[i].timestamp_ms == expected[i].timestamp_ms);
      CHECK(out[i].headers.size() == expected[i].headers.size());
    }
    // Stopping inside a compressed batch and resuming from the next offset works as well.
    out.clear();
    next = sdk::decode_records("t", 1, packed, 30, 5, out, &consumed);
    REQUIRE(next);
    CHECK(next.value() == 35);
    CHECK(consumed == 0);
    CHECK(out.front().value == "30");
    // A compressed batch whose records do not decompress is a corrupt batch.
    std::string damaged = first;
    damaged[damaged.size() / 2] ^= 0x10;
    out.clear();
    CHECK(sdk::decode_records("t", 1, damaged, 0, 1000, out).error() ==
          protocol::errc::corrupt_batch);
  }
}

TEST_CASE("a LogAppendTime batch gives every record the broker's append time", "[sdk][decoder]") {
  std::string created = batch(0, 3, 1'000);
  std::string appended = batch(3, 3, 1'000, eventstore::compression_codec::zstd);
  auto view = eventstore::record_batch_view::parse(appended);
  REQUIRE(view);
  eventstore::apply_timestamp_type(appended, view.value(),
                                   eventstore::timestamp_type::log_append_time, 9'999);
  std::string bytes = created + appended;
  std::vector<consumer_record> out;
  REQUIRE(sdk::decode_records("t", 0, bytes, 0, 100, out));
  REQUIRE(out.size() == 6);
  for (int i = 0; i < 3; ++i) {
    CHECK(out[i].timestamp_ms == 1'000 + i);
    CHECK_FALSE(out[i].log_append_time);
  }
  for (int i = 3; i < 6; ++i) {
    CHECK(out[i].timestamp_ms == 9'999);
    CHECK(out[i].log_append_time);
  }
}
