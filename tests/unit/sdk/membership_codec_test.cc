#include "sdk/group/membership_codec.h"

#include <catch2/catch.hpp>
#include <random>

#include "cairn/errc.h"

using namespace cairn::sdk;

namespace {

using partition_list = std::vector<topic_partition>;

topic_partition tp(std::string topic, std::int32_t partition) {
  return {std::move(topic), partition};
}

// Builds encodings by hand, field by field, as the format in membership_codec.h reads.
struct bytes_builder {
  std::string out;

  bytes_builder& u16(std::uint16_t v) {
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>(v >> 8));
    return *this;
  }
  bytes_builder& u32(std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8) {
      out.push_back(static_cast<char>(v >> shift));
    }
    return *this;
  }
  bytes_builder& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
  bytes_builder& str(std::string_view s) {
    u16(static_cast<std::uint16_t>(s.size()));
    out.append(s);
    return *this;
  }
  bytes_builder& raw(std::string_view s) {
    out.append(s);
    return *this;
  }
};

subscription_metadata sample_subscription() {
  subscription_metadata s;
  s.topics = {"orders", "payments", "z"};
  s.owned = {tp("orders", 0), tp("orders", 3), tp("payments", 1)};
  s.generation = 12;
  s.user_data = std::string("\x00\x01\xff rack-a", 10);
  return s;
}

assignment_metadata sample_assignment() {
  assignment_metadata a;
  a.partitions = {tp("orders", 1), tp("orders", 2), tp("z", 0)};
  a.user_data = "v";
  return a;
}

bool malformed(const std::error_code& ec) {
  return ec == errc::malformed_group_data;
}

}  // namespace

TEST_CASE("membership codec round-trips a subscription with and without user data",
          "[sdk][codec]") {
  auto s = sample_subscription();
  auto bytes = encode_subscription(s);
  REQUIRE(bytes);
  auto back = decode_subscription(bytes.value());
  REQUIRE(back);
  CHECK(back.value() == s);

  s.user_data.reset();
  s.generation = -1;
  auto no_data = decode_subscription(encode_subscription(s).value());
  REQUIRE(no_data);
  CHECK(no_data.value() == s);
  CHECK_FALSE(no_data.value().user_data.has_value());

  s.user_data = "";  // empty user data is not absent user data
  auto empty_data = decode_subscription(encode_subscription(s).value());
  REQUIRE(empty_data);
  REQUIRE(empty_data.value().user_data.has_value());
  CHECK(empty_data.value().user_data->empty());

  subscription_metadata nothing;  // no topics, owns nothing
  auto empty = decode_subscription(encode_subscription(nothing).value());
  REQUIRE(empty);
  CHECK(empty.value() == nothing);
}

TEST_CASE("membership codec round-trips an assignment", "[sdk][codec]") {
  auto a = sample_assignment();
  auto back = decode_assignment(encode_assignment(a).value());
  REQUIRE(back);
  CHECK(back.value() == a);

  assignment_metadata nothing;
  auto empty = decode_assignment(encode_assignment(nothing).value());
  REQUIRE(empty);
  CHECK(empty.value() == nothing);
}

TEST_CASE("membership codec encodes canonically: sorted and without duplicates", "[sdk][codec]") {
  subscription_metadata messy;
  messy.topics = {"b", "a", "b"};
  messy.owned = {tp("b", 2), tp("a", 7), tp("b", 0), tp("b", 2)};
  auto decoded = decode_subscription(encode_subscription(messy).value());
  REQUIRE(decoded);
  CHECK(decoded.value().topics == std::vector<std::string>{"a", "b"});
  CHECK(decoded.value().owned == partition_list{tp("a", 7), tp("b", 0), tp("b", 2)});

  subscription_metadata tidy;
  tidy.topics = {"a", "b"};
  tidy.owned = {tp("a", 7), tp("b", 0), tp("b", 2)};
  CHECK(encode_subscription(messy).value() == encode_subscription(tidy).value());
}

TEST_CASE("membership codec bytes follow the documented layout", "[sdk][codec]") {
  subscription_metadata s;
  s.topics = {"bc", "a"};
  s.owned = {tp("a", 1), tp("a", 0)};
  s.generation = 7;
  s.user_data = "x";
  std::string expected = bytes_builder{}
                             .u16(1)  // version
                             .u32(2)
                             .str("a")
                             .str("bc")  // topics
                             .u32(1)
                             .str("a")
                             .u32(2)
                             .i32(0)
                             .i32(1)  // owned
                             .i32(7)  // generation
                             .i32(1)
                             .raw("x")  // user data
                             .out;
  CHECK(encode_subscription(s).value() == expected);
  CHECK(expected.size() == 2 + 4 + 3 + 4 + 4 + 3 + 4 + 8 + 4 + 5);

  assignment_metadata a;
  a.partitions = {tp("t", 5)};
  std::string assignment = bytes_builder{}.u16(1).u32(1).str("t").u32(1).i32(5).i32(-1).out;
  CHECK(encode_assignment(a).value() == assignment);
}

TEST_CASE("membership codec rejects every truncation of a valid encoding", "[sdk][codec]") {
  std::string subscription = encode_subscription(sample_subscription()).value();
  for (std::size_t n = 0; n < subscription.size(); ++n) {
    INFO("subscription cut to " << n << " of " << subscription.size() << " bytes");
    auto r = decode_subscription(std::string_view(subscription).substr(0, n));
    REQUIRE_FALSE(r);
    CHECK(malformed(r.error()));
  }
  std::string assignment = encode_assignment(sample_assignment()).value();
  for (std::size_t n = 0; n < assignment.size(); ++n) {
    INFO("assignment cut to " << n << " of " << assignment.size() << " bytes");
    auto r = decode_assignment(std::string_view(assignment).substr(0, n));
    REQUIRE_FALSE(r);
    CHECK(malformed(r.error()));
  }
}

TEST_CASE("membership codec: version 1 ends after user data and later versions may append",
          "[sdk][codec]") {
  std::string v1 = encode_subscription(sample_subscription()).value();
  CHECK_FALSE(decode_subscription(v1 + '\0'));
  CHECK_FALSE(decode_assignment(encode_assignment(sample_assignment()).value() + "x"));

  std::string v2 = v1;
  v2[0] = 2;  // a newer member: same prefix, then a field this build does not know
  v2 += "rack=eu-1";
  auto newer = decode_subscription(v2);
  REQUIRE(newer);
  CHECK(newer.value() == sample_subscription());

  std::string v0 = v1;
  v0[0] = 0;
  CHECK_FALSE(decode_subscription(v0));
  CHECK_FALSE(decode_assignment(bytes_builder{}.u16(0).u32(0).i32(-1).out));
  CHECK(decode_assignment(bytes_builder{}.u16(1).u32(0).i32(-1).out));
}

TEST_CASE("membership codec rejects absurd counts and lengths before allocating", "[sdk][codec]") {
  // Under ASan a reserve() sized from any of these counts would abort the test.
  CHECK_FALSE(decode_subscription(bytes_builder{}.u16(1).u32(0xffffffff).out));
  CHECK_FALSE(decode_subscription(bytes_builder{}.u16(1).u32(0xffffffff).str("a").out));
  CHECK_FALSE(decode_subscription(bytes_builder{}.u16(1).u32(0).u32(0xffffffff).out));
  CHECK_FALSE(decode_assignment(bytes_builder{}.u16(1).u32(1).str("t").u32(0xffffffff).out));
  CHECK_FALSE(decode_assignment(bytes_builder{}.u16(1).u32(1).str("t").u32(0x40000000).i32(0).out));
  CHECK_FALSE(decode_assignment(bytes_builder{}.u16(1).u32(0).i32(0x7fffffff).out));
  CHECK_FALSE(decode_assignment(bytes_builder{}.u16(1).u32(0).i32(INT32_MIN).out));
  // A string length past the end.
  CHECK_FALSE(decode_subscription(bytes_builder{}.u16(1).u32(1).u16(200).raw("abc").out));

  // Over a limit, with every byte present.
  bytes_builder many_topics;
  many_topics.u16(1).u32(membership_limits::topics_max + 1);
  for (std::size_t i = 0; i <= membership_limits::topics_max; ++i) {
    many_topics.str("t" + std::to_string(100000 + i));
  }
  many_topics.u32(0).i32(-1).i32(-1);
  CHECK_FALSE(decode_subscription(many_topics.out));

  bytes_builder many_partitions;
  many_partitions.u16(1).u32(2).str("a").u32(membership_limits::partitions_max);
  for (std::int32_t p = 0; p < static_cast<std::int32_t>(membership_limits::partitions_max); ++p) {
    many_partitions.i32(p);
  }
  many_partitions.str("b").u32(1).i32(0).i32(-1);  // one over the limit, in a second topic
  CHECK_FALSE(decode_assignment(many_partitions.out));
  bytes_builder exactly;
  exactly.u16(1).u32(1).str("a").u32(membership_limits::partitions_max);
  for (std::int32_t p = 0; p < static_cast<std::int32_t>(membership_limits::partitions_max); ++p) {
    exactly.i32(p);
  }
  exactly.i32(-1);
  auto full = decode_assignment(exactly.out);
  REQUIRE(full);
  CHECK(full.value().partitions.size() == membership_limits::partitions_max);

  std::string long_name(membership_limits::topic_bytes_max + 1, 'n');
  CHECK_FALSE(
      decode_subscription(bytes_builder{}.u16(1).u32(1).str(long_name).u32(0).i32(-1).i32(-1).out));
  std::string longest(membership_limits::topic_bytes_max, 'n');
  CHECK(decode_subscription(bytes_builder{}.u16(1).u32(1).str(longest).u32(0).i32(-1).i32(-1).out));

  std::string big(membership_limits::user_data_bytes_max + 1, 'u');
  CHECK_FALSE(decode_assignment(
      bytes_builder{}.u16(1).u32(0).i32(static_cast<std::int32_t>(big.size())).raw(big).out));
}

TEST_CASE("membership codec rejects out-of-rule values", "[sdk][codec]") {
  auto assignment_of = [](std::uint32_t count, std::vector<std::int32_t> partitions) {
    bytes_builder b;
    b.u16(1).u32(1).str("t").u32(count);
    for (auto p : partitions) {
      b.i32(p);
    }
    return b.i32(-1).out;
  };
  CHECK(decode_assignment(assignment_of(2, {0, 5})));
  CHECK_FALSE(decode_assignment(assignment_of(1, {-1})));    // negative partition
  CHECK_FALSE(decode_assignment(assignment_of(2, {5, 0})));  // unsorted
  CHECK_FALSE(decode_assignment(assignment_of(2, {3, 3})));  // repeated
  CHECK_FALSE(decode_assignment(assignment_of(0, {})));      // an empty topic group
  CHECK_FALSE(decode_assignment(
      bytes_builder{}.u16(1).u32(2).str("t").u32(1).i32(0).str("t").u32(1).i32(1).i32(-1).out));
  CHECK_FALSE(decode_assignment(
      bytes_builder{}.u16(1).u32(2).str("u").u32(1).i32(0).str("t").u32(1).i32(1).i32(-1).out));

  auto subscription_of = [](std::vector<std::string> topics, std::int32_t generation,
                            std::int32_t user_data_length) {
    bytes_builder b;
    b.u16(1).u32(static_cast<std::uint32_t>(topics.size()));
    for (const auto& t : topics) {
      b.str(t);
    }
    return b.u32(0).i32(generation).i32(user_data_length).out;
  };
  CHECK(decode_subscription(subscription_of({"a", "b"}, 3, -1)));
  CHECK_FALSE(decode_subscription(subscription_of({"b", "a"}, 3, -1)));  // unsorted
  CHECK_FALSE(decode_subscription(subscription_of({"a", "a"}, 3, -1)));  // repeated
  CHECK_FALSE(decode_subscription(subscription_of({""}, 3, -1)));        // empty name
  CHECK_FALSE(decode_subscription(subscription_of({"a"}, -2, -1)));      // generation < -1
  CHECK_FALSE(decode_subscription(subscription_of({"a"}, 3, -2)));       // length < -1
}

TEST_CASE("membership codec encode refuses what decode would reject", "[sdk][codec]") {
  subscription_metadata s;
  s.topics = {""};
  CHECK(malformed(encode_subscription(s).error()));
  s.topics = {std::string(membership_limits::topic_bytes_max + 1, 'x')};
  CHECK(malformed(encode_subscription(s).error()));
  s.topics = {"t"};
  s.owned = {tp("t", -3)};
  CHECK(malformed(encode_subscription(s).error()));
  s.owned = {tp("", 0)};
  CHECK(malformed(encode_subscription(s).error()));
  s.owned = {};
  s.generation = -2;
  CHECK(malformed(encode_subscription(s).error()));

  assignment_metadata a;
  a.user_data = std::string(membership_limits::user_data_bytes_max + 1, 'u');
  CHECK(malformed(encode_assignment(a).error()));
  a.user_data.reset();
  for (std::int32_t p = 0; p <= static_cast<std::int32_t>(membership_limits::partitions_max); ++p) {
    a.partitions.push_back(tp("t", p));
  }
  CHECK(malformed(encode_assignment(a).error()));
  a.partitions.pop_back();
  CHECK(encode_assignment(a));
}

TEST_CASE("membership codec survives random byte flips and re-encodes what it accepts",
          "[sdk][codec]") {
  std::mt19937_64 prng(4242);
  const std::string subscription = encode_subscription(sample_subscription()).value();
  const std::string assignment = encode_assignment(sample_assignment()).value();
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = i % 2 == 0 ? subscription : assignment;
    const int flips = 1 + static_cast<int>(prng() % 4);
    for (int f = 0; f < flips; ++f) {
      bytes[prng() % bytes.size()] ^= static_cast<char>(1 + prng() % 255);
    }
    if (prng() % 4 == 0) bytes.resize(prng() % (bytes.size() + 1));  // and sometimes cut
    const bool version_1 = bytes.size() >= 2 && bytes[0] == 1 && bytes[1] == 0;
    // Canonical form makes the encoding unique: anything accepted as version 1 is exactly what
    // encoding its value gives.
    if (i % 2 == 0) {
      auto r = decode_subscription(bytes);
      if (r) {
        ++accepted;
        if (version_1) CHECK(encode_subscription(r.value()).value() == bytes);
      } else {
        CHECK(malformed(r.error()));
      }
    } else {
      auto r = decode_assignment(bytes);
      if (r) {
        ++accepted;
        if (version_1) CHECK(encode_assignment(r.value()).value() == bytes);
      } else {
        CHECK(malformed(r.error()));
      }
    }
  }
  CHECK(accepted > 0);  // some flips land in names and user data and stay valid
}

TEST_CASE("membership codec survives random garbage", "[sdk][codec]") {
  std::mt19937_64 prng(99);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(prng() % 64, '\0');
    for (auto& c : bytes) {
      c = static_cast<char>(prng());
    }
    if (bytes.size() >= 2 && i % 3 != 0) {
      bytes[0] = 1;  // mostly a valid version, so the decoders get further in
      bytes[1] = 0;
    }
    auto s = decode_subscription(bytes);
    auto a = decode_assignment(bytes);
    if (!s) CHECK(malformed(s.error()));
    if (!a) CHECK(malformed(a.error()));
  }
}
