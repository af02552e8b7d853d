// The DLQ record codec: a parked record and a resolved marker read back as written, the
// original headers survive without the dlq-* ones, and a replayed copy names its entry.
#include "cairn/es/dead_letter.h"

#include <catch2/catch.hpp>

#include "cairn/es/errc.h"

namespace es = cairn::es;

namespace {

cairn::consumer_record source_record() {
  return {.topic = "orders",
          .partition = 2,
          .offset = 41,
          .timestamp_ms = 1'700'000'000'123,
          .key = "order-7",
          .value = R"({"amount":5})",
          .headers = {{"type", "shop.OrderPlaced.v1"}, {"trace", std::nullopt}}};
}

// What a consumer of the DLQ reads back for a record the producer wrote at `offset`.
cairn::consumer_record as_read(const cairn::producer_record& p, std::int64_t offset) {
  cairn::consumer_record r{.topic = p.topic,
                           .partition = p.partition.value_or(-1),
                           .offset = offset,
                           .timestamp_ms = p.timestamp_ms,
                           .key = p.key,
                           .value = p.value,
                           .headers = {}};
  for (const auto& h : p.headers)
    r.headers.push_back({h.key, h.value});
  return r;
}

std::optional<std::string> header(const cairn::producer_record& p, std::string_view key) {
  for (const auto& h : p.headers) {
    if (h.key == key) return h.value;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("a parked record carries the source and the error in headers", "[es][dlq]") {
  auto src = source_record();
  std::error_code ec = es::errc::malformed_event;
  auto entry = es::parked_entry(src, "billing", es::park_reason::failed, ec, ec.message(), 3,
                                1'700'000'000'999, std::nullopt);
  auto rec = es::encode_parked(src, entry, "orders.dlq");
  CHECK(rec.topic == "orders.dlq");
  CHECK(rec.partition == 2);  // co-partitioned: the key's partition number
  CHECK(rec.key == src.key);
  CHECK(rec.value == src.value);
  CHECK(header(rec, "dlq-kind") == "parked");
  CHECK(header(rec, "dlq-group") == "billing");
  CHECK(header(rec, "dlq-source-topic") == "orders");
  CHECK(header(rec, "dlq-source-partition") == "2");
  CHECK(header(rec, "dlq-source-offset") == "41");
  CHECK(header(rec, "dlq-reason") == "failed");
  CHECK(header(rec, "dlq-error") == ec.message());
  CHECK(header(rec, "dlq-error-code") == "cairn.es:2");
  CHECK(header(rec, "dlq-attempts") == "3");
  CHECK(header(rec, "dlq-parked-at-ms") == "1700000000999");
  CHECK_FALSE(header(rec, "dlq-replaces").has_value());

  auto back = es::decode_dead_letter(as_read(rec, 7));
  REQUIRE(std::holds_alternative<es::dead_letter_entry>(back));
  const auto& e = std::get<es::dead_letter_entry>(back);
  CHECK(e.group == "billing");
  CHECK(e.source_topic == "orders");
  CHECK(e.source_partition == 2);
  CHECK(e.source_offset == 41);
  CHECK(e.reason == es::park_reason::failed);
  CHECK(e.error_code == "cairn.es:2");
  CHECK(e.attempts == 3);
  CHECK(e.parked_at_ms == 1'700'000'000'999);
  CHECK(e.key == "order-7");
  CHECK(e.value == src.value);
  CHECK(e.timestamp_ms == src.timestamp_ms);
  CHECK(e.dlq_partition == 2);
  CHECK(e.dlq_offset == 7);
  // The original headers, in order, null values included, and nothing else.
  REQUIRE(e.headers.size() == 2);
  CHECK(e.headers[0].key == "type");
  CHECK(e.headers[0].value == "shop.OrderPlaced.v1");
  CHECK(e.headers[1].key == "trace");
  CHECK_FALSE(e.headers[1].value.has_value());
}

TEST_CASE("a replayed copy keeps the original headers and names its DLQ entry", "[es][dlq]") {
  auto src = source_record();
  auto entry =
      es::parked_entry(src, "billing", es::park_reason::parked_behind, {}, "", 0, 5, std::nullopt);
  auto parked = es::decode_dead_letter(as_read(es::encode_parked(src, entry, "orders.dlq"), 12));
  REQUIRE(std::holds_alternative<es::dead_letter_entry>(parked));
  auto copy = es::encode_replay(std::get<es::dead_letter_entry>(parked));
  CHECK(copy.topic == "orders");
  CHECK(copy.partition == 2);
  CHECK(copy.key == "order-7");
  CHECK(header(copy, "type") == "shop.OrderPlaced.v1");
  CHECK(header(copy, "dlq-replay-of") == "2:12");
  CHECK_FALSE(header(copy, "dlq-reason").has_value());

  auto ref = es::replay_of(as_read(copy, 90));
  REQUIRE(ref.has_value());
  CHECK(ref->dlq_partition == 2);
  CHECK(ref->dlq_offset == 12);

  // Parked again after the copy failed: the copy's dlq-replay-of is not carried into the DLQ;
  // dlq-replaces says whose place the new entry takes.
  auto copy_read = as_read(copy, 90);
  auto again = es::parked_entry(copy_read, "billing", es::park_reason::failed,
                                std::make_error_code(std::errc::io_error), "boom", 5, 6, 12);
  auto rec = es::encode_parked(copy_read, again, "orders.dlq");
  CHECK(header(rec, "dlq-replaces") == "12");
  CHECK(header(rec, "dlq-replay-of") == std::nullopt);
  auto back = es::decode_dead_letter(as_read(rec, 13));
  REQUIRE(std::holds_alternative<es::dead_letter_entry>(back));
  CHECK(std::get<es::dead_letter_entry>(back).replaces == 12);
  CHECK(std::get<es::dead_letter_entry>(back).source_offset == 90);
}

TEST_CASE("a resolved marker reads back and foreign records are not dead letters", "[es][dlq]") {
  es::dead_letter_resolution r{
      .group = "billing", .key = "order-7", .dlq_partition = 1, .resolves = 4, .dlq_offset = -1};
  auto back = es::decode_dead_letter(as_read(es::encode_resolved(r, "orders.dlq"), 9));
  REQUIRE(std::holds_alternative<es::dead_letter_resolution>(back));
  const auto& res = std::get<es::dead_letter_resolution>(back);
  CHECK(res.group == "billing");
  CHECK(res.resolves == 4);
  CHECK(res.dlq_partition == 1);
  CHECK(res.dlq_offset == 9);

  cairn::consumer_record plain{.topic = "orders.dlq", .partition = 0, .offset = 0};
  CHECK(std::holds_alternative<es::not_dead_letter>(es::decode_dead_letter(plain)));
  plain.headers = {{"dlq-kind", "parked"}, {"dlq-group", "g"}};  // no source
  CHECK(std::holds_alternative<es::not_dead_letter>(es::decode_dead_letter(plain)));
  plain.headers = {{"dlq-kind", "resolved"}, {"dlq-group", "g"}, {"dlq-resolves", "x1"}};
  CHECK(std::holds_alternative<es::not_dead_letter>(es::decode_dead_letter(plain)));
  CHECK_FALSE(es::replay_of(cairn::consumer_record{.headers = {{"dlq-replay-of", "3"}}}));
  CHECK_FALSE(es::replay_of(cairn::consumer_record{.headers = {{"dlq-replay-of", "a:1"}}}));
}
