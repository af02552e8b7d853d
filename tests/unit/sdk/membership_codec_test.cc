#include "sdk/group/membership_codec.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "cairn/errc.h"

using namespace cairn::sdk;

namespace {

using partition_list = std::vector<topic_partition>;

topic_partition tp(std::string topic, std::int32_t partition) {
  return {std::move(topic), partition};
}

// A byte string from a literal that may hold NULs: the golden encodings below.
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// Builds encodings field by field (big-endian, Kafka's classic primitives), for the inputs the
// golden strings do not spell out: bad counts, long lists, limits.
struct bytes_builder {
  std::string out;

  bytes_builder& i16(std::int16_t v) {
    auto u = static_cast<std::uint16_t>(v);
    out.push_back(static_cast<char>(u >> 8));
    out.push_back(static_cast<char>(u & 0xff));
    return *this;
  }
  bytes_builder& i32(std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>(u >> shift));
    }
    return *this;
  }
  bytes_builder& str(std::string_view s) {
    i16(static_cast<std::int16_t>(s.size()));
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
  s.user_data = std::string("\x00\x01\xff data", 8);
  s.rack_id = "eu-west-1a";
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

bool rejected(const cairn::result<subscription_metadata>& r) {
  return !r && malformed(r.error());
}

bool rejected(const cairn::result<assignment_metadata>& r) {
  return !r && malformed(r.error());
}

}  // namespace

// --- golden bytes, worked out by hand from ConsumerProtocolSubscription.json and
// --- ConsumerProtocolAssignment.json (apache/kafka), not produced by the encoder

TEST_CASE("membership codec writes subscription v3 as Kafka's ConsumerProtocol spells it",
          "[sdk][codec]") {
  subscription_metadata s;
  s.topics = {"bc", "a"};
  s.owned = {tp("a", 1), tp("a", 0)};
  s.generation = 7;
  s.user_data = "x";
  s.rack_id = "r1";
  const std::string golden = bytes(
      "\x00\x03"          // version 3
      "\x00\x00\x00\x02"  // Topics: 2
      "\x00\x01"
      "a"  //   "a"
      "\x00\x02"
      "bc"  //   "bc"
      "\x00\x00\x00\x01"
      "x"                 // UserData: 1 byte
      "\x00\x00\x00\x01"  // OwnedPartitions: 1 topic
      "\x00\x01"
      "a"                 //   Topic "a"
      "\x00\x00\x00\x02"  //   Partitions: 2
      "\x00\x00\x00\x00"  //     0
      "\x00\x00\x00\x01"  //     1
      "\x00\x00\x00\x07"  // GenerationId 7
      "\x00\x02"
      "r1");  // RackId "r1"
  REQUIRE(golden.size() == 2 + 4 + 3 + 4 + 5 + 4 + 3 + 4 + 8 + 4 + 4);
  auto encoded = encode_subscription(s);
  REQUIRE(encoded);
  CHECK(encoded.value() == golden);
  auto decoded = decode_subscription(golden);
  REQUIRE(decoded);
  CHECK(decoded.value().topics == std::vector<std::string>{"a", "bc"});
  CHECK(decoded.value().owned == partition_list{tp("a", 0), tp("a", 1)});
  CHECK(decoded.value().generation == 7);
  CHECK(decoded.value().user_data == "x");
  CHECK(decoded.value().rack_id == "r1");

  // Null user data and rack id: length -1 (int32 for bytes, int16 for strings).
  subscription_metadata bare;
  bare.topics = {"t"};
  const std::string bare_golden = bytes(
      "\x00\x03"
      "\x00\x00\x00\x01"
      "\x00\x01"
      "t"
      "\xff\xff\xff\xff"  // UserData null
      "\x00\x00\x00\x00"  // OwnedPartitions: none
      "\xff\xff\xff\xff"  // GenerationId -1
      "\xff\xff");        // RackId null
  CHECK(encode_subscription(bare).value() == bare_golden);
  auto back = decode_subscription(bare_golden);
  REQUIRE(back);
  CHECK(back.value() == bare);
}

TEST_CASE("membership codec writes assignments as Kafka's ConsumerProtocol spells them",
          "[sdk][codec]") {
  assignment_metadata a;
  a.partitions = {tp("t", 5), tp("s", 0)};
  const std::string golden = bytes(
      "\x00\x03"          // version 3
      "\x00\x00\x00\x02"  // AssignedPartitions: 2 topics
      "\x00\x01"
      "s"
      "\x00\x00\x00\x01"
      "\x00\x00\x00\x00"  //   s: [0]
      "\x00\x01"
      "t"
      "\x00\x00\x00\x01"
      "\x00\x00\x00\x05"    //   t: [5]
      "\xff\xff\xff\xff");  // UserData null
  CHECK(encode_assignment(a).value() == golden);
  std::sort(a.partitions.begin(), a.partitions.end());  // decode returns them sorted
  CHECK(decode_assignment(golden).value() == a);

  // Versions 0-3 share one layout: only the version field differs.
  std::string v0 = golden;
  v0[1] = '\x00';
  CHECK(encode_assignment(a, 0).value() == v0);
  CHECK(decode_assignment(v0).value() == a);
}

TEST_CASE("membership codec reads what librdkafka 2.0 and KafkaJS write", "[sdk][codec]") {
  // librdkafka 2.0's subscription: version 1, empty (not null) user data, no owned partitions.
  const std::string librdkafka_v1 = bytes(
      "\x00\x01"
      "\x00\x00\x00\x02"
      "\x00\x06"
      "orders"
      "\x00\x03"
      "abc"                 // topics in the order the application gave them
      "\x00\x00\x00\x00"    // UserData: empty
      "\x00\x00\x00\x00");  // OwnedPartitions: none
  auto s1 = decode_subscription(librdkafka_v1);
  REQUIRE(s1);
  CHECK(s1.value().topics == std::vector<std::string>{"abc", "orders"});
  CHECK(s1.value().user_data == std::string());
  CHECK(s1.value().owned.empty());
  CHECK(s1.value().generation == -1);
  CHECK_FALSE(s1.value().rack_id);

  // librdkafka's cooperative-sticky member owning partitions, listed unsorted; its user data is
  // its sticky state (previous assignment and generation), opaque to the codec.
  const std::string sticky_v1 = bytes(
      "\x00\x01"
      "\x00\x00\x00\x01"
      "\x00\x01"
      "t"
      "\x00\x00\x00\x04"
      "\xca\xfe\xba\xbe"  // UserData: 4 opaque bytes
      "\x00\x00\x00\x01"
      "\x00\x01"
      "t"
      "\x00\x00\x00\x02"
      "\x00\x00\x00\x03"
      "\x00\x00\x00\x01");  // owned t: [3, 1]
  auto sticky = decode_subscription(sticky_v1);
  REQUIRE(sticky);
  CHECK(sticky.value().owned == partition_list{tp("t", 1), tp("t", 3)});
  CHECK(sticky.value().user_data == bytes("\xca\xfe\xba\xbe"));

  // KafkaJS: version 0, topics and user data only.
  const std::string kafkajs_v0 = bytes(
      "\x00\x00"
      "\x00\x00\x00\x01"
      "\x00\x01"
      "t"
      "\x00\x00\x00\x00");
  auto s0 = decode_subscription(kafkajs_v0);
  REQUIRE(s0);
  CHECK(s0.value().topics == std::vector<std::string>{"t"});
  CHECK(s0.value().owned.empty());

  // The Java client's v2 (before racks): GenerationId, no RackId.
  const std::string java_v2 = bytes(
      "\x00\x02"
      "\x00\x00\x00\x01"
      "\x00\x01"
      "t"
      "\xff\xff\xff\xff"
      "\x00\x00\x00\x00"
      "\x00\x00\x00\x09");
  auto s2 = decode_subscription(java_v2);
  REQUIRE(s2);
  CHECK(s2.value().generation == 9);
  CHECK_FALSE(s2.value().user_data);

  // librdkafka 2.0's assignment: version 0, partitions in its own order, null user data.
  const std::string librdkafka_assignment = bytes(
      "\x00\x00"
      "\x00\x00\x00\x01"
      "\x00\x01"
      "t"
      "\x00\x00\x00\x02"
      "\x00\x00\x00\x03"
      "\x00\x00\x00\x01"
      "\xff\xff\xff\xff");
  auto a = decode_assignment(librdkafka_assignment);
  REQUIRE(a);
  CHECK(a.value().partitions == partition_list{tp("t", 1), tp("t", 3)});
  CHECK_FALSE(a.value().user_data);
}

// --- round trips, order, versions

TEST_CASE("membership codec round-trips every subscription version", "[sdk][codec]") {
  auto s = sample_subscription();
  auto v3 = decode_subscription(encode_subscription(s).value());
  REQUIRE(v3);
  CHECK(v3.value() == s);

  s.rack_id.reset();
  auto v2 = decode_subscription(encode_subscription(s, 2).value());
  REQUIRE(v2);
  CHECK(v2.value() == s);

  s.generation = -1;
  auto v1 = decode_subscription(encode_subscription(s, 1).value());
  REQUIRE(v1);
  CHECK(v1.value() == s);

  s.owned.clear();
  s.user_data = "";  // empty user data is not absent user data
  auto v0 = decode_subscription(encode_subscription(s, 0).value());
  REQUIRE(v0);
  CHECK(v0.value() == s);
  REQUIRE(v0.value().user_data.has_value());
  CHECK(v0.value().user_data->empty());

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

TEST_CASE("membership codec encodes deterministically: sorted and without repeats",
          "[sdk][codec]") {
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

TEST_CASE("membership codec accepts any order and repeats, and returns them sorted",
          "[sdk][codec]") {
  // Topics unsorted and repeated; an owned topic listed twice, once with no partitions.
  const std::string s = bytes_builder{}
                            .i16(1)
                            .i32(3)
                            .str("b")
                            .str("a")
                            .str("b")
                            .i32(-1)
                            .i32(3)
                            .str("b")
                            .i32(2)
                            .i32(4)
                            .i32(4)
                            .str("a")
                            .i32(0)
                            .str("b")
                            .i32(1)
                            .i32(0)
                            .out;
  auto decoded = decode_subscription(s);
  REQUIRE(decoded);
  CHECK(decoded.value().topics == std::vector<std::string>{"a", "b"});
  CHECK(decoded.value().owned == partition_list{tp("b", 0), tp("b", 4)});

  const std::string a = bytes_builder{}
                            .i16(0)
                            .i32(2)
                            .str("u")
                            .i32(2)
                            .i32(5)
                            .i32(0)
                            .str("t")
                            .i32(1)
                            .i32(1)
                            .i32(-1)
                            .out;
  auto assignment = decode_assignment(a);
  REQUIRE(assignment);
  CHECK(assignment.value().partitions == partition_list{tp("t", 1), tp("u", 0), tp("u", 5)});
}

TEST_CASE("membership codec: versions 0-3 end after their last field, newer ones may append",
          "[sdk][codec]") {
  const std::string v3 = encode_subscription(sample_subscription()).value();
  CHECK(rejected(decode_subscription(v3 + '\0')));
  const std::string assignment = encode_assignment(sample_assignment()).value();
  CHECK(rejected(decode_assignment(assignment + "x")));
  const std::string v1 = encode_subscription({.topics = {"t"}}, 1).value();
  CHECK(rejected(decode_subscription(v1 + "\xff\xff\xff\xff")));  // a v2 field in a v1

  // A newer member: the v3 fields, then fields this build does not know.
  std::string v4 = v3;
  v4[1] = 4;
  v4 += bytes("\x00\x00\x00\x2a new field");
  auto newer = decode_subscription(v4);
  REQUIRE(newer);
  CHECK(newer.value() == sample_subscription());
  std::string v7 = v3;  // no extra bytes is fine too
  v7[1] = 7;
  CHECK(decode_subscription(v7).value() == sample_subscription());
  std::string big_version = v3;
  big_version[0] = '\x7f';
  big_version[1] = '\xff';
  CHECK(decode_subscription(big_version + "tail"));

  std::string a4 = assignment;
  a4[1] = 4;
  a4 += "more";
  auto newer_assignment = decode_assignment(a4);
  REQUIRE(newer_assignment);
  CHECK(newer_assignment.value() == sample_assignment());

  // But a newer version still needs every field this build knows.
  std::string short_v4 = v4.substr(0, v3.size() - 1);
  CHECK(rejected(decode_subscription(short_v4)));

  // Negative versions do not exist.
  for (std::int16_t version : {std::int16_t{-1}, std::int16_t{-32768}}) {
    std::string negative = v3;
    negative[0] = static_cast<char>(static_cast<std::uint16_t>(version) >> 8);
    negative[1] = static_cast<char>(version & 0xff);
    CHECK(rejected(decode_subscription(negative)));
    std::string negative_assignment = assignment;
    negative_assignment[0] = negative[0];
    negative_assignment[1] = negative[1];
    CHECK(rejected(decode_assignment(negative_assignment)));
  }
}

// --- bad input

TEST_CASE("membership codec rejects every truncation of a valid encoding", "[sdk][codec]") {
  for (std::int16_t version = 0; version <= 3; ++version) {
    subscription_metadata s = sample_subscription();
    if (version < 3) s.rack_id.reset();
    if (version < 2) s.generation = -1;
    if (version < 1) s.owned.clear();
    std::string subscription = encode_subscription(s, version).value();
    for (std::size_t n = 0; n < subscription.size(); ++n) {
      INFO("subscription v" << version << " cut to " << n << " of " << subscription.size());
      CHECK(rejected(decode_subscription(std::string_view(subscription).substr(0, n))));
    }
  }
  std::string assignment = encode_assignment(sample_assignment()).value();
  for (std::size_t n = 0; n < assignment.size(); ++n) {
    INFO("assignment cut to " << n << " of " << assignment.size() << " bytes");
    CHECK(rejected(decode_assignment(std::string_view(assignment).substr(0, n))));
  }
}

TEST_CASE("membership codec rejects negative and absurd counts and lengths before allocating",
          "[sdk][codec]") {
  // Under ASan a reserve() sized from any of these counts would abort the test.
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(3).i32(-1).out)));  // null topic list
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(3).i32(INT32_MIN).out)));
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(3).i32(0x7fffffff).out)));
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(3).i32(0x7fffffff).str("a").out)));
  // Owned partitions: a negative or huge topic count, then a huge partition count.
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(1).i32(0).i32(-1).i32(-1).out)));
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(1).i32(0).i32(-1).i32(0x7fffffff).out)));
  CHECK(rejected(
      decode_subscription(bytes_builder{}.i16(1).i32(0).i32(-1).i32(1).str("t").i32(-2).out)));
  CHECK(rejected(decode_assignment(bytes_builder{}.i16(0).i32(1).str("t").i32(0x7fffffff).out)));
  CHECK(rejected(
      decode_assignment(bytes_builder{}.i16(0).i32(1).str("t").i32(0x40000000).i32(0).out)));
  CHECK(rejected(decode_assignment(bytes_builder{}.i16(0).i32(-5).i32(-1).out)));
  // User data: longer than what is left, longer than the limit, below -1.
  CHECK(rejected(decode_assignment(bytes_builder{}.i16(0).i32(0).i32(0x7fffffff).out)));
  CHECK(rejected(decode_assignment(bytes_builder{}.i16(0).i32(0).i32(INT32_MIN).out)));
  CHECK(rejected(decode_assignment(bytes_builder{}.i16(0).i32(0).i32(-2).out)));
  // Strings: a length past the end, a negative (null) topic name, an empty one.
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(0).i32(1).i16(200).raw("abc").out)));
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(0).i32(1).i16(-1).i32(-1).out)));
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(0).i32(1).str("").i32(-1).out)));
  // Rack id: below -1, past the end.
  auto v3_with_rack_length = [](std::int16_t length) {
    return bytes_builder{}.i16(3).i32(0).i32(-1).i32(0).i32(-1).i16(length).raw("ab").out;
  };
  CHECK(decode_subscription(v3_with_rack_length(2)));
  CHECK(rejected(decode_subscription(v3_with_rack_length(-2))));
  CHECK(rejected(decode_subscription(v3_with_rack_length(3))));
  CHECK(rejected(decode_subscription(v3_with_rack_length(0x7fff))));

  // Over a limit, with every byte present.
  bytes_builder many_topics;
  many_topics.i16(0).i32(static_cast<std::int32_t>(membership_limits::topics_max + 1));
  for (std::size_t i = 0; i <= membership_limits::topics_max; ++i) {
    many_topics.str("t" + std::to_string(100000 + i));
  }
  many_topics.i32(-1);
  CHECK(rejected(decode_subscription(many_topics.out)));

  const auto partitions_max = static_cast<std::int32_t>(membership_limits::partitions_max);
  bytes_builder many_partitions;
  many_partitions.i16(0).i32(2).str("a").i32(partitions_max);
  for (std::int32_t p = 0; p < partitions_max; ++p) {
    many_partitions.i32(p);
  }
  many_partitions.str("b").i32(1).i32(0).i32(-1);  // one over the limit, in a second topic
  CHECK(rejected(decode_assignment(many_partitions.out)));
  bytes_builder exactly;
  exactly.i16(0).i32(1).str("a").i32(partitions_max);
  for (std::int32_t p = 0; p < partitions_max; ++p) {
    exactly.i32(p);
  }
  exactly.i32(-1);
  auto full = decode_assignment(exactly.out);
  REQUIRE(full);
  CHECK(full.value().partitions.size() == membership_limits::partitions_max);

  std::string long_name(membership_limits::topic_bytes_max + 1, 'n');
  CHECK(rejected(decode_subscription(bytes_builder{}.i16(0).i32(1).str(long_name).i32(-1).out)));
  std::string longest(membership_limits::topic_bytes_max, 'n');
  CHECK(decode_subscription(bytes_builder{}.i16(0).i32(1).str(longest).i32(-1).out));

  std::string big(membership_limits::user_data_bytes_max + 1, 'u');
  CHECK(rejected(decode_assignment(
      bytes_builder{}.i16(0).i32(0).i32(static_cast<std::int32_t>(big.size())).raw(big).out)));
}

TEST_CASE("membership codec rejects out-of-rule values", "[sdk][codec]") {
  auto assignment_of = [](std::vector<std::int32_t> partitions) {
    bytes_builder b;
    b.i16(0).i32(1).str("t").i32(static_cast<std::int32_t>(partitions.size()));
    for (auto p : partitions) {
      b.i32(p);
    }
    return b.i32(-1).out;
  };
  CHECK(decode_assignment(assignment_of({5, 0})));
  CHECK(rejected(decode_assignment(assignment_of({-1}))));  // negative partition
  CHECK(rejected(decode_assignment(assignment_of({0, INT32_MIN}))));

  auto v2_subscription = [](std::int32_t generation) {
    return bytes_builder{}.i16(2).i32(1).str("a").i32(-1).i32(0).i32(generation).out;
  };
  CHECK(decode_subscription(v2_subscription(-1)));
  CHECK(decode_subscription(v2_subscription(0)));
  CHECK(rejected(decode_subscription(v2_subscription(-2))));  // generation < -1
  CHECK(rejected(decode_subscription(v2_subscription(INT32_MIN))));
}

TEST_CASE("membership codec encode refuses what decode would reject or could not carry",
          "[sdk][codec]") {
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
  s.generation = -1;
  s.rack_id = std::string(32768, 'r');
  CHECK(malformed(encode_subscription(s).error()));
  s.rack_id = std::string(32767, 'r');
  CHECK(encode_subscription(s));

  // Versions: only 0-3, and none that would drop a field the value sets.
  subscription_metadata plain{.topics = {"t"}};
  CHECK(malformed(encode_subscription(plain, 4).error()));
  CHECK(malformed(encode_subscription(plain, -1).error()));
  for (std::int16_t v = 0; v <= 3; ++v) {
    CHECK(encode_subscription(plain, v));
  }
  subscription_metadata with_rack = plain;
  with_rack.rack_id = "r";
  CHECK(malformed(encode_subscription(with_rack, 2).error()));
  subscription_metadata with_generation = plain;
  with_generation.generation = 3;
  CHECK(malformed(encode_subscription(with_generation, 1).error()));
  CHECK(encode_subscription(with_generation, 2));
  subscription_metadata with_owned = plain;
  with_owned.owned = {tp("t", 0)};
  CHECK(malformed(encode_subscription(with_owned, 0).error()));
  CHECK(encode_subscription(with_owned, 1));

  assignment_metadata a;
  CHECK(malformed(encode_assignment(a, 4).error()));
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

// --- random input

TEST_CASE("membership codec survives random byte flips, and what it accepts re-encodes",
          "[sdk][codec]") {
  std::mt19937_64 prng(4242);
  const std::string subscription = encode_subscription(sample_subscription()).value();
  const std::string assignment = encode_assignment(sample_assignment()).value();
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string input = i % 2 == 0 ? subscription : assignment;
    const int flips = 1 + static_cast<int>(prng() % 4);
    for (int f = 0; f < flips; ++f) {
      input[prng() % input.size()] ^= static_cast<char>(1 + prng() % 255);
    }
    if (prng() % 4 == 0) input.resize(prng() % (input.size() + 1));  // and sometimes cut
    // What decodes is a value the encoder can write (in the version read, or 3 for a newer
    // one), and that writing decodes to the same value: decode only ever normalises.
    std::int16_t version = 3;
    if (input.size() >= 2) {
      auto v = static_cast<std::int16_t>((static_cast<unsigned char>(input[0]) << 8) |
                                         static_cast<unsigned char>(input[1]));
      version = std::min<std::int16_t>(v, 3);
    }
    if (i % 2 == 0) {
      auto r = decode_subscription(input);
      if (r) {
        ++accepted;
        auto again = encode_subscription(r.value(), version);
        REQUIRE(again);
        CHECK(decode_subscription(again.value()).value() == r.value());
      } else {
        CHECK(malformed(r.error()));
      }
    } else {
      auto r = decode_assignment(input);
      if (r) {
        ++accepted;
        auto again = encode_assignment(r.value(), version);
        REQUIRE(again);
        CHECK(decode_assignment(again.value()).value() == r.value());
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
    std::string input(prng() % 64, '\0');
    for (auto& c : input) {
      c = static_cast<char>(prng());
    }
    if (input.size() >= 2 && i % 3 != 0) {
      input[0] = 0;  // mostly a known version, so the decoders get further in
      input[1] = static_cast<char>(prng() % 4);
    }
    auto s = decode_subscription(input);
    auto a = decode_assignment(input);
    if (!s) CHECK(malformed(s.error()));
    if (!a) CHECK(malformed(a.error()));
  }
}
