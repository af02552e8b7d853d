#include "eventstore/record/varint.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

using namespace cairn::eventstore;

namespace {
std::string encode(std::int64_t v) {
  std::string out(kVarlongBytesMax, '\0');
  char* end = put_varlong(out.data(), v);
  out.resize(static_cast<std::size_t>(end - out.data()));
  return out;
}
}  // namespace

TEST_CASE("zig-zag varints encode as Kafka does", "[varint]") {
  CHECK(encode(0) == std::string("\x00", 1));
  CHECK(encode(-1) == "\x01");
  CHECK(encode(1) == "\x02");
  CHECK(encode(-2) == "\x03");
  CHECK(encode(63) == "\x7e");
  CHECK(encode(64) == "\x80\x01");
  CHECK(encode(-65) == "\x81\x01");
  CHECK(encode(std::numeric_limits<std::int32_t>::max()) == "\xfe\xff\xff\xff\x0f");
}

TEST_CASE("varints round-trip at the edges and report their size", "[varint]") {
  for (std::int64_t v :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{300}, std::int64_t{-300},
        std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    std::string bytes = encode(v);
    CHECK(static_cast<int>(bytes.size()) == varlong_size(v));
    const char* p = bytes.data();
    auto decoded = get_varlong(&p, bytes.data() + bytes.size(), kVarlongBytesMax);
    REQUIRE(decoded);
    CHECK(*decoded == v);
    CHECK(p == bytes.data() + bytes.size());
  }
}

TEST_CASE("varint decoding rejects truncated, over-long and out-of-range input", "[varint]") {
  std::string truncated = "\x80\x80";
  const char* p = truncated.data();
  CHECK_FALSE(get_varlong(&p, truncated.data() + truncated.size(), kVarlongBytesMax));
  CHECK(p == truncated.data());

  std::string overlong(11, '\x80');
  p = overlong.data();
  CHECK_FALSE(get_varlong(&p, overlong.data() + overlong.size(), kVarlongBytesMax));

  std::string too_big_for_int32 = encode(std::int64_t{1} << 33);
  p = too_big_for_int32.data();
  CHECK_FALSE(get_varint(&p, too_big_for_int32.data() + too_big_for_int32.size()));
}
