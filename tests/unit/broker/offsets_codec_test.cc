// The `__consumer_offsets` record codec: exact layouts, round trips, and untrusted bytes (every
// truncation, trailing bytes, impossible lengths and counts, random corruption).
#include "broker/group/offsets_codec.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "broker/group/group_errc.h"
#include "protocol/key_partitioner.h"

using namespace cairn::broker::group;
using cairn::log_offset;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

offset_commit_value sample_offset() {
  offset_commit_value v;
  v.offset = log_offset{1234567890123};
  v.metadata = "checkpoint \xe2\x9c\x93";
  v.commit_timestamp_ms = 1'700'000'000'000;
  return v;
}

group_metadata_value sample_group() {
  group_metadata_value v;
  v.protocol_type = "consumer";
  v.generation = generation_id{7};
  v.protocol_name = "range";
  v.leader_id = "client-a-1";
  v.current_state_timestamp_ms = 1'700'000'000'123;
  v.members.push_back({"client-a-1", std::nullopt, "client-a", "/10.0.0.1", 300'000, 45'000,
                       std::string("sub\0a", 5), "assign-a"});
  v.members.push_back(
      {"client-b-2", std::string("instance-b"), "client-b", "", 60'000, 10'000, "sub-b", ""});
  return v;
}

// Decodes `b` as whichever kind `kind` names; returns only the error (or success).
enum class kind { key, offset_value, group_value };

std::error_code decode_error(kind k, std::string_view b) {
  switch (k) {
    case kind::key: {
      auto r = decode_key(b);
      return r ? std::error_code{} : r.error();
    }
    case kind::offset_value: {
      auto r = decode_offset_commit_value(b);
      return r ? std::error_code{} : r.error();
    }
    case kind::group_value: {
      auto r = decode_group_metadata_value(b);
      return r ? std::error_code{} : r.error();
    }
  }
  return {};
}

}  // namespace

TEST_CASE("offset-commit keys have Kafka's version 1 layout", "[offsets_codec]") {
  std::string key = encode_key(offset_commit_key{"g", "tp", 3});
  CHECK(key == bytes({0, 1, 0, 1, 'g', 0, 2, 't', 'p', 0, 0, 0, 3}));
  auto decoded = decode_key(key);
  REQUIRE(decoded);
  CHECK(std::get<offset_commit_key>(decoded.value()) == offset_commit_key{"g", "tp", 3});

  // Kafka's version 0 has the same layout and is read too.
  key[1] = 0;
  decoded = decode_key(key);
  REQUIRE(decoded);
  CHECK(std::get<offset_commit_key>(decoded.value()) == offset_commit_key{"g", "tp", 3});
}

TEST_CASE("group-metadata keys have Kafka's version 2 layout", "[offsets_codec]") {
  std::string key = encode_key(group_metadata_key{"grp"});
  CHECK(key == bytes({0, 2, 0, 3, 'g', 'r', 'p'}));
  auto decoded = decode_key(key);
  REQUIRE(decoded);
  CHECK(std::get<group_metadata_key>(decoded.value()).group_id == "grp");
}

TEST_CASE("offset-commit values have Kafka's version 3 layout and round trip", "[offsets_codec]") {
  offset_commit_value v;
  v.offset = log_offset{258};
  v.metadata = "m";
  v.commit_timestamp_ms = 1;
  CHECK(encode_value(v) == bytes({0,    3,                                // version
                                  0,    0,    0,    0,    0, 0, 1, 2,     // offset
                                  0xff, 0xff, 0xff, 0xff,                 // leader epoch -1
                                  0,    1,    'm',                        // metadata
                                  0,    0,    0,    0,    0, 0, 0, 1}));  // commit timestamp

  auto decoded = decode_offset_commit_value(encode_value(sample_offset()));
  REQUIRE(decoded);
  CHECK(decoded.value() == sample_offset());
}

TEST_CASE("group-metadata values round trip with and without members", "[offsets_codec]") {
  group_metadata_value full = sample_group();
  std::string encoded = encode_value(full);
  CHECK(encoded.size() == encoded_size(full));
  auto decoded = decode_group_metadata_value(encoded);
  REQUIRE(decoded);
  CHECK(decoded.value() == full);

  group_metadata_value empty;
  empty.protocol_type = "consumer";
  empty.generation = generation_id{12};
  auto decoded_empty = decode_group_metadata_value(encode_value(empty));
  REQUIRE(decoded_empty);
  CHECK(decoded_empty.value() == empty);
  CHECK_FALSE(decoded_empty.value().protocol_name);
  CHECK_FALSE(decoded_empty.value().leader_id);
}

TEST_CASE("every truncation of every record kind is rejected", "[offsets_codec]") {
  const std::vector<std::pair<kind, std::string>> records = {
      {kind::key, encode_key(offset_commit_key{"group", "topic", 9})},
      {kind::key, encode_key(group_metadata_key{"group"})},
      {kind::offset_value, encode_value(sample_offset())},
      {kind::group_value, encode_value(sample_group())},
  };
  for (const auto& [k, full] : records) {
    REQUIRE_FALSE(decode_error(k, full));
    for (std::size_t n = 0; n < full.size(); ++n) {
      INFO("kind " << static_cast<int>(k) << ", " << n << " of " << full.size() << " bytes");
      CHECK(decode_error(k, std::string_view(full).substr(0, n)) == errc::record_truncated);
    }
    // And one byte too many is not silently ignored.
    CHECK(decode_error(k, full + '\0') == errc::record_malformed);
  }
}

TEST_CASE("impossible lengths counts and versions are errors", "[offsets_codec]") {
  // A member count of INT32_MAX with no bytes behind it: refused before anything is allocated.
  group_metadata_value empty;
  empty.protocol_type = "consumer";
  std::string huge = encode_value(empty);
  huge.replace(huge.size() - 4, 4, bytes({0x7f, 0xff, 0xff, 0xff}));
  CHECK(decode_error(kind::group_value, huge) == errc::record_truncated);
  huge.replace(huge.size() - 4, 4, bytes({0xff, 0xff, 0xff, 0xfe}));
  CHECK(decode_error(kind::group_value, huge) == errc::record_malformed);

  // A non-nullable string with length -1, or any length below -1.
  CHECK(decode_error(kind::key, bytes({0, 2, 0xff, 0xff})) == errc::record_malformed);
  CHECK(decode_error(kind::key, bytes({0, 2, 0xff, 0xfe, 'g'})) == errc::record_malformed);
  CHECK(decode_error(kind::key, bytes({0, 2, 0, 0})) == errc::record_malformed);  // empty id

  // Unknown versions.
  CHECK(decode_error(kind::key, bytes({0, 3, 0, 1, 'g'})) == errc::unknown_record_version);
  CHECK(decode_error(kind::key, bytes({0xff, 0xff})) == errc::unknown_record_version);
  std::string v = encode_value(sample_offset());
  v[1] = 1;
  CHECK(decode_error(kind::offset_value, v) == errc::unknown_record_version);
  v = encode_value(sample_group());
  v[1] = 4;
  CHECK(decode_error(kind::group_value, v) == errc::unknown_record_version);

  // A negative partition or offset.
  std::string key = encode_key(offset_commit_key{"g", "t", 0});
  key.replace(key.size() - 4, 4, bytes({0xff, 0xff, 0xff, 0xff}));
  CHECK(decode_error(kind::key, key) == errc::record_malformed);
  v = encode_value(sample_offset());
  v[2] = static_cast<char>(0x80);
  CHECK(decode_error(kind::offset_value, v) == errc::record_malformed);
}

TEST_CASE("group values that no coordinator writes are malformed", "[offsets_codec]") {
  group_metadata_value v = sample_group();
  v.leader_id = "not-a-member";
  CHECK(decode_error(kind::group_value, encode_value(v)) == errc::record_malformed);

  v = sample_group();
  v.members[1].member_id = v.members[0].member_id;
  CHECK(decode_error(kind::group_value, encode_value(v)) == errc::record_malformed);

  v = sample_group();
  v.members[0].group_instance_id = v.members[1].group_instance_id;
  CHECK(decode_error(kind::group_value, encode_value(v)) == errc::record_malformed);

  v = sample_group();
  v.protocol_name.reset();
  CHECK(decode_error(kind::group_value, encode_value(v)) == errc::record_malformed);

  v = sample_group();
  v.members[0].session_timeout_ms = 0;
  CHECK(decode_error(kind::group_value, encode_value(v)) == errc::record_malformed);

  std::string encoded = encode_value(sample_group());
  // generation sits after the version (2) and the protocol type (2 + 8).
  encoded.replace(12, 4, bytes({0xff, 0xff, 0xff, 0xff}));
  CHECK(decode_error(kind::group_value, encoded) == errc::record_malformed);
}

TEST_CASE("random corruption never crashes and what decodes re-encodes to the same bytes",
          "[offsets_codec]") {
  const std::vector<std::pair<kind, std::string>> records = {
      {kind::key, encode_key(offset_commit_key{"group", "topic", 9})},
      {kind::key, encode_key(group_metadata_key{"group"})},
      {kind::offset_value, encode_value(sample_offset())},
      {kind::group_value, encode_value(sample_group())},
  };
  std::mt19937_64 prng(Catch::rngSeed());
  int decoded = 0;
  for (int round = 0; round < 20'000; ++round) {
    const auto& [k, original] = records[prng() % records.size()];
    std::string b = original;
    int flips = 1 + static_cast<int>(prng() % 4);
    for (int i = 0; i < flips; ++i)
      b[prng() % b.size()] ^= static_cast<char>(1 + prng() % 255);
    if (prng() % 4 == 0) b.resize(prng() % (b.size() + 1));
    switch (k) {
      case kind::key: {
        auto r = decode_key(b);
        if (!r) break;
        ++decoded;
        std::string again = std::visit([](const auto& key) { return encode_key(key); }, r.value());
        if (b[0] == 0 && b[1] == 0) again[1] = 0;  // version 0 is read, 1 is written
        CHECK(again == b);
        break;
      }
      case kind::offset_value: {
        auto r = decode_offset_commit_value(b);
        if (!r) break;
        ++decoded;
        CHECK(encode_value(r.value()) == b);
        break;
      }
      case kind::group_value: {
        auto r = decode_group_metadata_value(b);
        if (!r) break;
        ++decoded;
        CHECK(encode_value(r.value()) == b);
        break;
      }
    }
  }
  CHECK(decoded > 0);  // flips in string bytes or timestamps still decode
}

TEST_CASE("a group's partition is murmur2 of its id modulo the partition count",
          "[offsets_codec]") {
  for (std::string id : {"", "orders", "payments-projection", "\xff\xfe"}) {
    for (std::int32_t count : {1, 3, 50}) {
      std::int32_t p = group_partition_for(id, count);
      CHECK(p >= 0);
      CHECK(p < count);
      CHECK(p == cairn::protocol::partition_for_key(id, count));
    }
  }
  CHECK(group_partition_for("orders", 1) == 0);
}
