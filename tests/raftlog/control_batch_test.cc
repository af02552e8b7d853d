#include "eventstore/record/control_batch.h"

#include <catch2/catch.hpp>

#include "eventstore/errc.h"
#include "tests/support/batches.h"

namespace es = cairn::eventstore;

namespace {

es::record_batch_view parsed(const std::string& bytes) {
  auto view = es::record_batch_view::parse(bytes);
  REQUIRE(view);
  return view.value();
}

// A control batch with one record of the given key and value (to forge bad ones).
std::string forged(std::string_view key, std::optional<std::string_view> value, int records = 1) {
  es::record_batch_builder builder({.attributes = es::batch_layout::kControl});
  for (int i = 0; i < records; ++i) {
    es::record_input input;
    input.key = key;
    input.value = value;
    builder.add(input);
  }
  return builder.finish();
}

std::string key_of(std::int16_t version, std::int16_t type) {
  std::string key(4, '\0');
  es::store_be(key.data(), version);
  es::store_be(key.data() + 2, type);
  return key;
}

}  // namespace

TEST_CASE("control batches round trip noop and config records", "[raftlog][control]") {
  es::control_record noop{.type = es::control_type::raft_noop};
  es::control_record config{
      .type = es::control_type::raft_config, .voters = {1, 2, 3}, .learners = {7}};
  for (const auto& record : {noop, config}) {
    std::string bytes =
        es::build_control_batch(record, {.base_offset = 42, .partition_leader_epoch = 5});
    es::record_batch_view view = parsed(bytes);
    CHECK(es::is_control_batch(view.header()));
    CHECK(view.base_offset() == 42);
    CHECK(view.header().partition_leader_epoch == 5);
    CHECK(view.header().producer_id == -1);
    CHECK(view.records_count() == 1);
    auto decoded = es::decode_control_batch(view);
    REQUIRE(decoded);
    CHECK(decoded.value() == record);
  }
}

TEST_CASE("control batch decoding refuses bad input", "[raftlog][control]") {
  using es::errc;
  auto decode = [](const std::string& bytes) { return es::decode_control_batch(parsed(bytes)); };

  // Not a control batch at all.
  CHECK(decode(cairn::testing::make_batch(1, "k", 0)).error() == errc::invalid_argument);
  const std::string noop_key = key_of(0, 100);
  const std::string config_key = key_of(0, 101);
  // Key: wrong size, version, unknown type; a null value; two records.
  CHECK(decode(forged("abc", "")).error() == errc::record_malformed);
  CHECK(decode(forged(key_of(1, 100), "")).error() == errc::record_malformed);
  CHECK(decode(forged(key_of(0, 1), "")).error() == errc::record_malformed);
  CHECK(decode(forged(noop_key, std::nullopt)).error() == errc::record_malformed);
  CHECK(decode(forged(noop_key, "", 2)).error() == errc::record_malformed);
  CHECK(decode(forged(noop_key, "x")).error() == errc::record_malformed);

  auto config_value = [](std::int16_t version, std::vector<std::int32_t> voters,
                         std::vector<std::int32_t> learners, std::int32_t voter_count = -1) {
    std::string v(2, '\0');
    es::store_be(v.data(), version);
    auto put = [&](std::int32_t x) {
      char b[4];
      es::store_be(b, x);
      v.append(b, 4);
    };
    put(voter_count >= 0 ? voter_count : static_cast<std::int32_t>(voters.size()));
    for (auto id : voters)
      put(id);
    put(static_cast<std::int32_t>(learners.size()));
    for (auto id : learners)
      put(id);
    return v;
  };
  CHECK(decode(forged(config_key, config_value(0, {1, 2}, {3}))));
  CHECK(decode(forged(config_key, config_value(1, {1, 2}, {}))).error() == errc::record_malformed);
  CHECK(decode(forged(config_key, config_value(0, {2, 1}, {}))).error() == errc::record_malformed);
  CHECK(decode(forged(config_key, config_value(0, {1, 1}, {}))).error() == errc::record_malformed);
  CHECK(decode(forged(config_key, config_value(0, {0}, {}))).error() == errc::record_malformed);
  CHECK(decode(forged(config_key, config_value(0, {1, 2}, {2}))).error() == errc::record_malformed);
  // A count larger than the bytes (or the bound) must not allocate or overrun.
  CHECK(decode(forged(config_key, config_value(0, {1}, {}, 1'000'000))).error() ==
        errc::record_malformed);
  CHECK(decode(forged(config_key, config_value(0, {1}, {}, 5))).error() == errc::record_malformed);
  std::string trailing = config_value(0, {1}, {}) + "x";
  CHECK(decode(forged(config_key, trailing)).error() == errc::record_malformed);
  CHECK(decode(forged(config_key, std::string_view("\0", 1))).error() == errc::record_malformed);
}
