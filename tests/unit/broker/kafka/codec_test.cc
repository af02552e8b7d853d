// The Kafka codec's primitives against byte strings written out by hand from the protocol guide
// (https://kafka.apache.org/protocol#protocol_types), and its bounds on untrusted lengths.
#include <catch2/catch.hpp>
#include <vector>

#include "broker/kafka/codec/reader.h"
#include "broker/kafka/codec/request_header.h"
#include "broker/kafka/codec/writer.h"

using namespace cairn::broker::kafka;

namespace {
std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values)
    out.push_back(static_cast<std::byte>(v));
  return out;
}
}  // namespace

TEST_CASE("classic strings and arrays carry int16 and int32 lengths") {
  auto b = bytes_of({0, 3, 'a', 'b', 'c', 0xff, 0xff, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 9});
  reader r(b, false);
  CHECK(r.string() == "abc");
  CHECK_FALSE(r.nullable_string().has_value());
  REQUIRE(r.array_length(4) == 2);
  CHECK(r.int32() == 7);
  CHECK(r.int32() == 9);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
}

TEST_CASE("compact strings and arrays carry unsigned varint lengths plus one") {
  auto b = bytes_of({4, 'a', 'b', 'c', 0, 3, 1, 2, 0});
  reader r(b, true);
  CHECK(r.string() == "abc");
  CHECK_FALSE(r.nullable_string().has_value());
  CHECK(r.array_length(1) == 2);
  CHECK(r.int8() == 1);
  CHECK(r.int8() == 2);
  r.tagged_fields();
  CHECK(r.ok());
}

TEST_CASE("tagged fields of unknown tags are skipped") {
  // Two fields: tag 0 with 2 bytes, tag 5 with 1 byte; then an int8.
  auto b = bytes_of({2, 0, 2, 0xaa, 0xbb, 5, 1, 0xcc, 42});
  reader r(b, true);
  r.tagged_fields();
  CHECK(r.int8() == 42);
  CHECK(r.ok());
}

TEST_CASE("a length longer than the frame fails without allocating it") {
  SECTION("string") {
    auto b = bytes_of({0x7f, 0xff, 'a'});
    reader r(b, false);
    CHECK(r.string().empty());
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.failure(), Catch::Contains("truncated"));
  }
  SECTION("array count times its smallest element") {
    auto b = bytes_of({0x10, 0, 0, 0, 1, 2, 3, 4});
    reader r(b, false);
    CHECK(r.array_length(4) == 0);
    CHECK_FALSE(r.ok());
  }
  SECTION("negative lengths") {
    auto b = bytes_of({0xff, 0xfe});
    reader r(b, false);
    r.string();
    CHECK_FALSE(r.ok());
  }
  SECTION("a count above the per-request limit") {
    auto b = bytes_of({0, 0, 0, 3, 1, 1, 1});
    reader r(b, false);
    r.array_length(1, 2);
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.failure(), Catch::Contains("at most 2"));
  }
  SECTION("a varint of more than five bytes") {
    auto b = bytes_of({0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
    reader r(b, true);
    r.unsigned_varint();
    CHECK_FALSE(r.ok());
  }
  SECTION("a null string where the schema has none") {
    auto b = bytes_of({0});
    reader r(b, true);
    r.string();
    CHECK_FALSE(r.ok());
  }
}

TEST_CASE("a failed read is sticky: later reads return empty values") {
  auto b = bytes_of({0, 9});
  reader r(b, false);
  r.string();
  CHECK(r.int32() == 0);
  CHECK_FALSE(r.ok());
}

TEST_CASE("zig-zag varints as the record format writes them") {
  auto b = bytes_of({0x00, 0x01, 0x02, 0x03, 0xac, 0x02});
  reader r(b, false);
  CHECK(r.varint() == 0);
  CHECK(r.varint() == -1);
  CHECK(r.varint() == 1);
  CHECK(r.varint() == -2);
  CHECK(r.varint() == 150);
  writer w(false);
  for (int v : {0, -1, 1, -2, 150})
    w.varint(v);
  CHECK(w.data() == b);
}

TEST_CASE("the writer's encodings are the ones the reader reads") {
  for (bool flexible : {false, true}) {
    writer w(flexible);
    w.string("topic");
    w.nullable_string(std::nullopt);
    w.array_length(1);
    w.int64(-2);
    w.tagged_fields();
    reader r(w.data(), flexible);
    CHECK(r.string() == "topic");
    CHECK_FALSE(r.nullable_string());
    CHECK(r.array_length(8) == 1);
    CHECK(r.int64() == -2);
    r.tagged_fields();
    CHECK(r.ok());
    CHECK(r.remaining() == 0);
  }
}

TEST_CASE("request headers: the client id stays classic in header v2") {
  // api_key 3, version 12, correlation 7, client id "kc", then no tagged fields.
  auto frame = bytes_of({0, 3, 0, 12, 0, 0, 0, 7, 0, 2, 'k', 'c', 0, 0xee});
  auto h = read_header_prefix(frame);
  REQUIRE(h);
  CHECK(h->api_key == 3);
  CHECK(h->api_version == 12);
  CHECK(h->correlation_id == 7);
  auto body = read_header_rest(frame, true, *h);
  REQUIRE(body);
  CHECK(*body == 13);
  CHECK(h->client_id == "kc");
  CHECK_FALSE(read_header_prefix(bytes_of({0, 3, 0})));
}
