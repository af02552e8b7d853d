#include "sdk/client/record_accumulator.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "cairn/errc.h"
#include "sdk/client/partitioner.h"

using namespace cairn::sdk;
using cairn::eventstore::record_batch_view;

namespace {

const topic_partition kTp{"orders", 0};

struct decoded_record {
  std::string key;
  std::string value;
  std::int64_t timestamp_ms;
};

struct decoded_batch {
  std::int64_t producer_id;
  std::int16_t producer_epoch;
  std::int32_t base_sequence;
  std::vector<decoded_record> records;
};

decoded_batch decode(std::string_view bytes) {
  auto view = record_batch_view::parse(bytes);
  REQUIRE(view);
  REQUIRE(view.value().size_bytes() == bytes.size());
  const auto& h = view.value().header();
  decoded_batch out{h.producer_id, h.producer_epoch, h.base_sequence, {}};
  for (const auto& r : view.value()) {
    out.records.push_back({std::string(r.key.value_or("")), std::string(r.value.value_or("")),
                           h.base_timestamp + r.timestamp_delta});
  }
  return out;
}

std::vector<drained_batch> all_batches(const std::vector<drained_request>& requests) {
  std::vector<drained_batch> out;
  for (const auto& r : requests)
    out.insert(out.end(), r.batches.begin(), r.batches.end());
  return out;
}

accumulator_config small_config() {
  return {.batch_bytes_max = 1024,
          .linger_ms = 10,
          .buffer_bytes_max = 64 * 1024,
          .request_bytes_max = 8 * 1024,
          .retry_backoff_ms = 100,
          .delivery_timeout_ms = 10'000,
          .idempotence = true};
}

record_id append_value(record_accumulator& acc, const topic_partition& tp, const std::string& value,
                       std::int64_t now_ms, std::string key = "k") {
  auto id = acc.append(tp, {.key = key, .value = value, .timestamp_ms = now_ms}, now_ms);
  REQUIRE(id);
  return id.value();
}

}  // namespace

TEST_CASE("config validation rejects values out of range", "[accumulator]") {
  CHECK(validate(accumulator_config{}));
  CHECK(validate({.batch_bytes_max = 10}).error() == errc::invalid_config);
  CHECK(validate({.linger_ms = -1}).error() == errc::invalid_config);
  CHECK(validate({.buffer_bytes_max = 100}).error() == errc::invalid_config);
  CHECK(validate({.delivery_timeout_ms = 0}).error() == errc::invalid_config);
  CHECK(make_error_code(errc::buffer_full).category().name() == std::string("cairn.sdk"));
  CHECK(make_error_code(errc::buffer_full).message().find("wait for delivery reports") !=
        std::string::npos);
}

TEST_CASE("nothing is drained before the producer id is set", "[accumulator][idempotence]") {
  record_accumulator acc(small_config());
  append_value(acc, kTp, "v", 0);
  CHECK(acc.needs_producer());
  CHECK(acc.drain(1000).empty());
  acc.set_producer({.id = 7, .epoch = 2});
  CHECK_FALSE(acc.needs_producer());
  CHECK(all_batches(acc.drain(1000)).size() == 1);
}

TEST_CASE("a batch closes when full and is ready before linger", "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 7, .epoch = 0});
  std::string value(100, 'x');
  int appended = 0;
  while (acc.incomplete_batches_count() < 2) {
    append_value(acc, kTp, value, 0);
    ++appended;
  }
  acc.check_invariants();
  auto batches = all_batches(acc.drain(1));  // linger (10 ms) has not passed
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].bytes.size() <= 1024);
  CHECK(batches[0].records_count == appended - 1);
  auto decoded = decode(batches[0].bytes);
  CHECK(decoded.records.size() == static_cast<std::size_t>(appended - 1));
  // Another record would not have fitted.
  CHECK(batches[0].bytes.size() + 100 > 1024);
}

TEST_CASE("a batch becomes ready when linger_ms has passed since its first record",
          "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 7, .epoch = 0});
  append_value(acc, kTp, "a", 100);
  append_value(acc, kTp, "b", 105);
  CHECK(acc.next_ready_ms() == 110);
  CHECK(acc.drain(109).empty());
  auto batches = all_batches(acc.drain(110));
  REQUIRE(batches.size() == 1);
  auto decoded = decode(batches[0].bytes);
  REQUIRE(decoded.records.size() == 2);
  CHECK(decoded.records[0].value == "a");
  CHECK(decoded.records[1].value == "b");
  CHECK(decoded.records[1].timestamp_ms == 105);
  // The drained batch is closed: the next record opens a new one.
  CHECK(acc.would_open_batch(kTp, {.value = "c"}));
}

TEST_CASE("a flush makes every batch ready regardless of linger", "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 7, .epoch = 0});
  append_value(acc, kTp, "a", 0);
  CHECK(acc.drain(0).empty());
  acc.begin_flush();
  CHECK(all_batches(acc.drain(0)).size() == 1);
  acc.end_flush();
}

TEST_CASE("drain keeps per-partition order and sends one batch per partition per request",
          "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 7, .epoch = 0});
  topic_partition p0{"t", 0}, p1{"t", 1};
  std::string value(300, 'v');
  for (int i = 0; i < 9; ++i) {
    append_value(acc, p0, value + std::to_string(i), 0);
    append_value(acc, p1, value + std::to_string(i), 0);
  }
  std::vector<std::string> seen0, seen1;
  for (int round = 0; round < 10; ++round) {
    auto requests = acc.drain(100);
    for (const auto& request : requests) {
      std::set<topic_partition> partitions;
      for (const auto& b : request.batches) {
        CHECK(partitions.insert(b.tp).second);  // one batch per partition per request
        for (auto& r : decode(b.bytes).records)
          (b.tp == p0 ? seen0 : seen1).push_back(r.value);
        acc.on_acked(b.id, 0);
      }
    }
  }
  REQUIRE(seen0.size() == 9);
  REQUIRE(seen1.size() == 9);
  for (int i = 0; i < 9; ++i) {
    CHECK(seen0[i] == value + std::to_string(i));
    CHECK(seen1[i] == value + std::to_string(i));
  }
  CHECK(acc.incomplete_batches_count() == 0);
  CHECK(acc.buffer_bytes_used() == 0);
}

TEST_CASE("drain groups batches per leader and respects the request size", "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 7, .epoch = 0});
  std::string value(600, 'v');
  for (std::int32_t p = 0; p < 6; ++p)
    append_value(acc, {"t", p}, value, 0);
  leader_lookup leaders = [](const topic_partition& tp) -> std::optional<std::int32_t> {
    if (tp.partition == 5) return std::nullopt;  // leader unknown: wait
    return tp.partition % 2;
  };
  auto requests = acc.drain(100, 1500, leaders);
  REQUIRE(requests.size() == 2);
  for (const auto& request : requests) {
    CHECK(request.size_bytes <= 1500);
    CHECK(request.batches.size() == 2);  // a third 670-byte batch would not fit
    for (const auto& b : request.batches)
      CHECK(b.tp.partition % 2 == request.node_id);
  }
  // What was left (one batch per node, and partition 5 once its leader is known) comes next.
  auto rest = all_batches(acc.drain(100, 1500, [](const topic_partition&) { return 0; }));
  CHECK(rest.size() == 2);
}

TEST_CASE("a full buffer pushes back instead of growing", "[accumulator]") {
  auto config = small_config();
  config.buffer_bytes_max = 4096;
  config.batch_bytes_max = 4096;  // one open batch meets the buffer limit first
  record_accumulator acc(config);
  acc.set_producer({.id = 7, .epoch = 0});
  std::string value(200, 'v');
  std::vector<record_id> ids;
  for (;;) {
    auto id = acc.append(kTp, {.value = value, .timestamp_ms = 0}, 0);
    if (!id) {
      CHECK(id.error() == errc::buffer_full);
      break;
    }
    ids.push_back(id.value());
  }
  CHECK(acc.incomplete_batches_count() == 1);
  CHECK(acc.buffer_bytes_used() <= 4096);
  CHECK(acc.buffer_bytes_used() > 4096 - 300);
  acc.check_invariants();
  // Back-pressure makes the open batch ready although linger (10 ms) has not passed.
  auto batches = all_batches(acc.drain(0));
  REQUIRE(batches.size() == 1);
  CHECK(acc.append(kTp, {.value = value, .timestamp_ms = 0}, 0).error() == errc::buffer_full);
  acc.on_acked(batches[0].id, 0);
  CHECK(acc.buffer_bytes_used() == 0);
  CHECK(acc.take_delivery_reports().size() == ids.size());
  CHECK(acc.append(kTp, {.value = value, .timestamp_ms = 0}, 0));
  acc.check_invariants();
}

TEST_CASE("a record larger than a batch goes alone; one larger than a request is rejected",
          "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 7, .epoch = 0});
  append_value(acc, kTp, "small", 0);
  std::string big(2000, 'b');  // > batch_bytes_max (1024), < request_bytes_max (8 KiB)
  append_value(acc, kTp, big, 0);
  append_value(acc, kTp, "after", 0);
  CHECK(acc.incomplete_batches_count() == 3);

  std::string huge(9000, 'h');
  auto rejected = acc.append(kTp, {.value = huge, .timestamp_ms = 0}, 0);
  REQUIRE_FALSE(rejected);
  CHECK(rejected.error() == errc::record_too_large);
  CHECK(rejected.error().message().find("request_bytes_max") != std::string::npos);

  acc.begin_flush();
  std::vector<std::size_t> sizes;
  for (int round = 0; round < 3; ++round) {
    for (const auto& b : all_batches(acc.drain(0))) {
      sizes.push_back(decode(b.bytes).records.size());
      if (decode(b.bytes).records.size() == 1 && b.bytes.size() > 1024) {
        CHECK(decode(b.bytes).records[0].value == big);
      }
      acc.on_acked(b.id, 0);
    }
  }
  CHECK(sizes == std::vector<std::size_t>{1, 1, 1});
}

TEST_CASE("drained batches carry the producer id, epoch and base sequence",
          "[accumulator][idempotence]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 4242, .epoch = 3});
  topic_partition p1{"orders", 1};
  for (int i = 0; i < 3; ++i)
    append_value(acc, kTp, "a" + std::to_string(i), 0, "key");
  append_value(acc, p1, "z", 0);
  auto first = all_batches(acc.drain(10));
  REQUIRE(first.size() == 2);
  for (const auto& b : first) {
    auto d = decode(b.bytes);
    CHECK(d.producer_id == 4242);
    CHECK(d.producer_epoch == 3);
    CHECK(d.base_sequence == 0);
    CHECK(b.base_sequence == 0);
    if (b.tp == kTp) {
      REQUIRE(d.records.size() == 3);
      CHECK(d.records[2].key == "key");
      CHECK(d.records[2].value == "a2");
    }
  }
  for (int i = 0; i < 2; ++i)
    append_value(acc, kTp, "b", 20);
  auto second = all_batches(acc.drain(30));
  REQUIRE(second.size() == 1);
  CHECK(decode(second[0].bytes).base_sequence == 3);  // after 3 records
}

TEST_CASE("without idempotence batches carry no producer state", "[accumulator]") {
  auto config = small_config();
  config.idempotence = false;
  record_accumulator acc(config);
  CHECK_FALSE(acc.needs_producer());
  append_value(acc, kTp, "v", 0);
  auto batches = all_batches(acc.drain(10));
  REQUIRE(batches.size() == 1);
  auto d = decode(batches[0].bytes);
  CHECK(d.producer_id == -1);
  CHECK(d.base_sequence == -1);
}

TEST_CASE("the accumulator stops draining a partition at five in flight",
          "[accumulator][idempotence]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  std::string value(600, 'v');
  for (int i = 0; i < 7; ++i)
    append_value(acc, kTp, value, 0);  // 7 batches of one record
  std::vector<drained_batch> sent;
  for (int round = 0; round < 10; ++round) {
    for (auto& b : all_batches(acc.drain(100)))
      sent.push_back(b);
  }
  CHECK(sent.size() == 5);
  CHECK(acc.idempotence().in_flight_count(kTp) == 5);
  acc.on_acked(sent[0].id, 0);
  auto more = all_batches(acc.drain(100));
  REQUIRE(more.size() == 1);
  CHECK(more[0].base_sequence == 5);
}

TEST_CASE("a retriable failure resends the same bytes and sequence after the backoff",
          "[accumulator][idempotence]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  append_value(acc, kTp, "v", 0);
  auto first = all_batches(acc.drain(10));
  REQUIRE(first.size() == 1);
  std::string bytes(first[0].bytes);
  acc.on_failed(first[0].id, std::make_error_code(std::errc::timed_out), failure_kind::retriable,
                20);
  CHECK(acc.drain(119).empty());  // backoff is 100 ms
  auto retry = all_batches(acc.drain(120));
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].id == first[0].id);
  CHECK(retry[0].attempt == 2);
  CHECK(retry[0].base_sequence == 0);
  CHECK(retry[0].bytes == bytes);
  acc.on_acked(retry[0].id, 50);
  auto reports = acc.take_delivery_reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].offset.value() == 50);
}

TEST_CASE("retries go one at a time in sequence order", "[accumulator][idempotence]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  std::string value(600, 'v');
  for (int i = 0; i < 3; ++i)
    append_value(acc, kTp, value + std::to_string(i), 0);
  std::vector<drained_batch> sent;
  for (int round = 0; round < 3; ++round) {
    for (auto& b : all_batches(acc.drain(100)))
      sent.push_back(b);
  }
  REQUIRE(sent.size() == 3);
  // The first send failed; the two after it hit the gap it left.
  auto timeout = std::make_error_code(std::errc::timed_out);
  acc.on_failed(sent[1].id, timeout, failure_kind::out_of_order_sequence, 100);
  acc.on_failed(sent[0].id, timeout, failure_kind::retriable, 100);
  acc.on_failed(sent[2].id, timeout, failure_kind::out_of_order_sequence, 100);
  CHECK(acc.producer().epoch == 0);  // behind an unresolved batch: no bump
  acc.check_invariants();

  auto r1 = all_batches(acc.drain(200));
  REQUIRE(r1.size() == 1);
  CHECK(r1[0].id == sent[0].id);
  CHECK(all_batches(acc.drain(200)).empty());  // the next waits for the first to resolve
  acc.on_acked(r1[0].id, 0);
  auto r2 = all_batches(acc.drain(200));
  REQUIRE(r2.size() == 1);
  CHECK(r2[0].id == sent[1].id);
  CHECK(r2[0].base_sequence == 1);
  acc.on_acked(r2[0].id, 1);
  auto r3 = all_batches(acc.drain(200));
  REQUIRE(r3.size() == 1);
  CHECK(r3[0].id == sent[2].id);
  acc.on_acked(r3[0].id, 2);
  auto reports = acc.take_delivery_reports();
  REQUIRE(reports.size() == 3);
  for (int i = 0; i < 3; ++i)
    CHECK(reports[i].offset.value() == i);
}

TEST_CASE("out of order sequence on the next batch bumps the epoch and re-sequences",
          "[accumulator][idempotence]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  std::string value(600, 'v');
  append_value(acc, kTp, value + "0", 0);
  auto a = all_batches(acc.drain(100));
  REQUIRE(a.size() == 1);
  acc.on_acked(a[0].id, 0);
  for (int i = 1; i < 3; ++i)
    append_value(acc, kTp, value + std::to_string(i), 100);
  std::vector<drained_batch> sent;
  for (int round = 0; round < 2; ++round) {
    for (auto& b : all_batches(acc.drain(200)))
      sent.push_back(b);
  }
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].base_sequence == 1);
  acc.on_failed(sent[0].id, std::make_error_code(std::errc::protocol_error),
                failure_kind::out_of_order_sequence, 200);
  CHECK(acc.producer().epoch == 1);
  acc.check_invariants();
  // The failed batch goes again first, now at sequence 0 under epoch 1, its records intact.
  auto retry = all_batches(acc.drain(300));
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].id == sent[0].id);
  auto d = decode(retry[0].bytes);
  CHECK(d.producer_id == 1);
  CHECK(d.producer_epoch == 1);
  CHECK(d.base_sequence == 0);
  REQUIRE(d.records.size() == 1);
  CHECK(d.records[0].value == value + "1");
  CHECK(d.records[0].timestamp_ms == 100);
  // The batch still in flight answers with the gap too, and follows under its new sequence.
  acc.on_acked(retry[0].id, 1);
  acc.on_failed(sent[1].id, std::make_error_code(std::errc::protocol_error),
                failure_kind::out_of_order_sequence, 300);
  auto next = all_batches(acc.drain(400));
  REQUIRE(next.size() == 1);
  CHECK(decode(next[0].bytes).base_sequence == 1);
  CHECK(decode(next[0].bytes).producer_epoch == 1);
}

TEST_CASE("compressed batches: smaller, accounted by their sent size, re-sequenced intact",
          "[accumulator][compression]") {
  using cairn::eventstore::compression_codec;
  for (compression_codec codec : {compression_codec::gzip, compression_codec::snappy,
                                  compression_codec::lz4, compression_codec::zstd}) {
    INFO(cairn::eventstore::codec_name(codec));
    accumulator_config config = small_config();
    config.compression = codec;
    record_accumulator acc(config);
    acc.set_producer({.id = 1, .epoch = 0});
    const std::string value(60, 'v');
    // Three batches of 8 records, each drained on its own (linger has passed at each drain).
    std::vector<drained_batch> sent;
    for (int b = 0; b < 3; ++b) {
      std::int64_t now = 100 * b;
      for (int i = 0; i < 8; ++i)
        append_value(acc, kTp, value + std::to_string(b * 8 + i), now);
      const std::int64_t before = acc.buffer_bytes_used();
      auto drained = all_batches(acc.drain(now + 50));
      REQUIRE(drained.size() == 1);
      // The buffer now counts the batch's compressed bytes, not what the builder held.
      CHECK(acc.buffer_bytes_used() < before);
      acc.check_invariants();
      auto view = record_batch_view::parse(drained[0].bytes);
      REQUIRE(view);
      CHECK(view.value().compression() == codec);
      sent.push_back(drained[0]);
    }
    CHECK(acc.buffer_bytes_used() ==
          static_cast<std::int64_t>(sent[0].bytes.size() + sent[1].bytes.size() +
                                    sent[2].bytes.size()));
    acc.on_acked(sent[0].id, 0);
    // A gap on the next batch bumps the epoch: the two in flight are rebuilt under new
    // sequences, compressed with the same codec (and to the same size).
    const std::size_t size_before = sent[1].bytes.size();
    acc.on_failed(sent[1].id, std::make_error_code(std::errc::protocol_error),
                  failure_kind::out_of_order_sequence, 300);
    acc.check_invariants();
    auto retry = all_batches(acc.drain(500));
    REQUIRE(retry.size() == 1);
    CHECK(retry[0].bytes.size() == size_before);
    auto view = record_batch_view::parse(retry[0].bytes);
    REQUIRE(view);
    CHECK(view.value().compression() == codec);
    auto d = decode(retry[0].bytes);
    CHECK(d.producer_epoch == 1);
    CHECK(d.base_sequence == 0);
    REQUIRE(d.records.size() == 8);
    CHECK(d.records[0].value == value + "8");
    CHECK(d.records[7].value == value + "15");
    acc.on_acked(retry[0].id, 8);
    acc.on_failed(sent[2].id, std::make_error_code(std::errc::protocol_error),
                  failure_kind::retriable, 600);
    for (const auto& b : all_batches(acc.drain(1000)))
      acc.on_acked(b.id, 16);
    CHECK(acc.buffer_bytes_used() == 0);
    acc.check_invariants();
  }
}

TEST_CASE("a fatal failure fails each record and resets the partition's sequence",
          "[accumulator][idempotence]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  auto id0 = append_value(acc, kTp, "a", 0);
  auto id1 = append_value(acc, kTp, "b", 0);
  auto sent = all_batches(acc.drain(100));
  REQUIRE(sent.size() == 1);
  auto too_large = std::make_error_code(std::errc::message_size);
  acc.on_failed(sent[0].id, too_large, failure_kind::fatal, 100);
  auto reports = acc.take_delivery_reports();
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].id == id0);
  CHECK(reports[1].id == id1);
  CHECK(reports[0].offset.error() == too_large);
  CHECK(reports[1].offset.error() == too_large);
  CHECK(acc.buffer_bytes_used() == 0);
  // Kafka would shift sequences down; we bump the epoch and start again at 0.
  CHECK(acc.producer().epoch == 1);
  append_value(acc, kTp, "c", 100);
  auto next = all_batches(acc.drain(200));
  REQUIRE(next.size() == 1);
  CHECK(next[0].base_sequence == 0);
  CHECK(decode(next[0].bytes).producer_epoch == 1);
}

TEST_CASE("records report base offset plus their index", "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  std::vector<record_id> ids;
  for (int i = 0; i < 4; ++i)
    ids.push_back(append_value(acc, kTp, "v", 0));
  auto sent = all_batches(acc.drain(100));
  REQUIRE(sent.size() == 1);
  CHECK(acc.take_delivery_reports().empty());
  acc.on_acked(sent[0].id, 1000);
  auto reports = acc.take_delivery_reports();
  REQUIRE(reports.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(reports[i].id == ids[i]);
    CHECK(reports[i].partition == 0);
    CHECK(reports[i].offset.value() == 1000 + i);
  }
  // acks=none: no offsets to report.
  append_value(acc, kTp, "v", 200);
  auto none = all_batches(acc.drain(300));
  acc.on_acked(none[0].id, -1);
  CHECK(acc.take_delivery_reports()[0].offset.value() == -1);
}

TEST_CASE("records past delivery_timeout_ms fail, waiting or retried", "[accumulator]") {
  record_accumulator acc(small_config());   // delivery timeout 10 s
  append_value(acc, kTp, "never sent", 0);  // no producer id: it waits
  CHECK(acc.drain(9'999).empty());
  CHECK(acc.drain(10'000).empty());
  auto reports = acc.take_delivery_reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].offset.error() == errc::delivery_timeout);

  acc.set_producer({.id = 1, .epoch = 0});
  append_value(acc, kTp, "retried", 20'000);
  auto sent = all_batches(acc.drain(20'100));
  REQUIRE(sent.size() == 1);
  acc.on_failed(sent[0].id, std::make_error_code(std::errc::timed_out), failure_kind::retriable,
                30'000);
  reports = acc.take_delivery_reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].offset.error() == errc::delivery_timeout);
  CHECK(acc.incomplete_batches_count() == 0);
  acc.check_invariants();
}

TEST_CASE("keyless records stick to a partition until its batch closes", "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  partitioner parts(11);
  std::string value(200, 'v');
  std::vector<std::int32_t> chosen;
  for (int i = 0; i < 20; ++i) {
    producer_record record{.value = value, .timestamp_ms = 0};
    std::int32_t p = parts.partition("t", std::nullopt, 4);
    if (acc.would_open_batch({"t", p}, record)) {
      parts.on_new_batch("t", p, 4);
      p = parts.partition("t", std::nullopt, 4);
    }
    REQUIRE(acc.append({"t", p}, record, 0));
    chosen.push_back(p);
  }
  // Four 200-byte records fill a 1 KiB batch: the partition changes only between batches.
  int switches = 0;
  for (std::size_t i = 1; i < chosen.size(); ++i)
    switches += chosen[i] != chosen[i - 1];
  CHECK(switches == 4);
  for (std::size_t i = 1; i < 4; ++i)
    CHECK(chosen[i] == chosen[0]);
  CHECK(chosen[4] != chosen[3]);
}

TEST_CASE("abort fails everything and refuses new records", "[accumulator]") {
  record_accumulator acc(small_config());
  acc.set_producer({.id = 1, .epoch = 0});
  append_value(acc, kTp, "in flight", 0);
  auto sent = all_batches(acc.drain(100));
  append_value(acc, kTp, "waiting", 100);
  acc.abort();
  auto reports = acc.take_delivery_reports();
  REQUIRE(reports.size() == 2);
  for (auto& r : reports)
    CHECK(r.offset.error() == errc::aborted);
  CHECK(acc.buffer_bytes_used() == 0);
  auto refused = acc.append(kTp, {.value = "x"}, 200);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == errc::aborted);
}

TEST_CASE("invalid partitions are refused", "[accumulator]") {
  record_accumulator acc(small_config());
  auto r = acc.append({"t", -1}, {.value = "x"}, 0);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::invalid_partition);
}
