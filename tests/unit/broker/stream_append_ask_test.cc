// find_stream_append_ask and parse_expected_version: how a produced batch asks for a stream
// append through cairn-expected-version (docs/kafka.md "Beyond Kafka"), given batches as Kafka
// producers build them.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "broker/handlers/handlers.h"
#include "eventstore/record/record_batch.h"

namespace cairn::broker {
namespace {

namespace es = eventstore;
using es::expected_version;

struct record {
  std::optional<std::string> key;
  std::string value;
  std::optional<std::string> expected;  // the header's value; nullopt: no header
};

std::string batch_of(const std::vector<record>& records,
                     es::compression_codec codec = es::compression_codec::none,
                     std::int64_t producer_id = -1) {
  es::record_batch_builder b({.compression = codec});
  if (producer_id >= 0) b.set_producer_state(producer_id, 0, 0);
  for (const record& r : records) {
    std::vector<es::header_view> headers{{"trace", "t-1"}};
    if (r.expected) headers.push_back({kExpectedVersionHeader, *r.expected});
    std::optional<std::string_view> key;
    if (r.key) key = *r.key;
    b.add({.key = key, .value = r.value, .headers = headers, .timestamp_ms = 1000});
  }
  return b.finish();
}

std::optional<stream_append_ask> ask_of(const std::string& batch) {
  return find_stream_append_ask(std::span<const char>(batch.data(), batch.size()));
}

}  // namespace

TEST_CASE("parse_expected_version reads the names and versions cairn stream append takes") {
  CHECK(parse_expected_version("any") == expected_version::any);
  CHECK(parse_expected_version("no-stream") == expected_version::no_stream);
  CHECK(parse_expected_version("exists") == expected_version::exists);
  CHECK(parse_expected_version("0") == expected_version::exact(stream_version{0}));
  CHECK(parse_expected_version("41") == expected_version::exact(stream_version{41}));
  for (std::string_view bad :
       {"", "-1", "-2", "1x", " 1", "no_stream", "ANY", "99999999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_expected_version(bad).has_value());
  }
}

TEST_CASE("a batch without the header is a plain produce") {
  CHECK_FALSE(ask_of(batch_of({{"k", "v", std::nullopt}})).has_value());
  // The header's name in a value is not the header.
  CHECK_FALSE(ask_of(batch_of({{"k", "cairn-expected-version: 3", std::nullopt}})).has_value());
  // Bytes that are no batch are left to the produce path, which names the precise error.
  CHECK_FALSE(ask_of("cairn-expected-version").has_value());
  CHECK_FALSE(ask_of("").has_value());
}

TEST_CASE("records of one key with one expected version ask for a stream append") {
  auto ask = ask_of(batch_of({{"order-1", "a", "3"}, {"order-1", "b", "3"}}));
  REQUIRE(ask.has_value());
  CHECK(ask->refusal.empty());
  CHECK(ask->key == "order-1");
  CHECK(ask->expected == expected_version::exact(stream_version{3}));
}

TEST_CASE("a compressed batch is looked into") {
  std::string value(300, 'x');
  std::vector<record> records(5, record{"order-2", value, "no-stream"});
  std::string batch = batch_of(records, es::compression_codec::gzip);
  auto view = es::record_batch_view::parse(batch);
  REQUIRE(view.has_value());
  REQUIRE(view.value().compression() == es::compression_codec::gzip);  // really compressed
  auto ask = ask_of(batch);
  REQUIRE(ask.has_value());
  CHECK(ask->refusal.empty());
  CHECK(ask->key == "order-2");
  CHECK(ask->expected == expected_version::no_stream);
}

TEST_CASE("a batch that asks inconsistently is refused, saying why") {
  auto refusal = [](const std::string& batch) {
    auto ask = ask_of(batch);
    REQUIRE(ask.has_value());
    return ask->refusal;
  };
  CHECK_THAT(refusal(batch_of({{"k", "a", "1"}, {"k", "b", std::nullopt}})),
             Catch::Contains("1 of the batch's 2 records"));
  CHECK_THAT(refusal(batch_of({{"k", "a", "1"}, {"k", "b", "2"}})),
             Catch::Contains("record 1") && Catch::Contains("one expected version"));
  CHECK_THAT(refusal(batch_of({{"k", "a", "1"}, {"other", "b", "1"}})),
             Catch::Contains("another key"));
  CHECK_THAT(refusal(batch_of({{std::nullopt, "a", "any"}})), Catch::Contains("key"));
  CHECK_THAT(refusal(batch_of({{"", "a", "any"}})), Catch::Contains("key"));
  CHECK_THAT(refusal(batch_of({{"k", "a", "latest"}})),
             Catch::Contains("\"latest\" is not any, no-stream, exists"));
  CHECK_THAT(refusal(batch_of({{"k", "a", "any"}}, es::compression_codec::none, 7)),
             Catch::Contains("idempotent"));
}

TEST_CASE("a conflict is described with the stream and both versions") {
  CHECK(describe_version_conflict(
            "order-1", {expected_version::exact(stream_version{1}), stream_version{3}}) ==
        "stream order-1 is at version 3, expected 1");
  CHECK(describe_version_conflict("order-1", {expected_version::exists, std::nullopt}) ==
        "stream order-1 is at version -1 (it does not exist), expected exists");
  CHECK(describe_version_conflict("order-1", {expected_version::no_stream, stream_version{0}}) ==
        "stream order-1 is at version 0, expected no-stream");
}

}  // namespace cairn::broker
