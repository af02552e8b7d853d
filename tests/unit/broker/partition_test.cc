#include "broker/partition/partition.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "broker/errc.h"
#include "broker/handlers/list_offsets.h"
#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

using namespace cairn::broker;
namespace es = cairn::eventstore;
using cairn::stream_version;
using cairn::testing::temp_dir;

namespace {

std::unique_ptr<partition> open_partition(const std::string& dir, partition::options opts = {}) {
  auto p = partition::open(dir, std::move(opts));
  REQUIRE(p);
  return std::move(p).value();
}

std::string idempotent_batch(std::int64_t producer, std::int16_t epoch, std::int32_t sequence,
                             int records, const std::string& key = "k") {
  es::record_batch_builder builder(
      {.producer_id = producer, .producer_epoch = epoch, .base_sequence = sequence});
  for (int i = 0; i < records; ++i) {
    std::string value = "v" + std::to_string(sequence + i);
    builder.add({.key = key, .value = value, .timestamp_ms = 1000});
  }
  return builder.finish();
}

std::string events(const std::vector<std::string>& values, const std::string& key = "") {
  es::record_batch_builder builder;
  for (const auto& v : values) {
    std::optional<std::string_view> k;
    if (!key.empty()) k = key;
    es::header_view headers[] = {{"type", "test.Happened.v1"}};
    builder.add({.key = k, .value = v, .headers = headers, .timestamp_ms = 2000});
  }
  return builder.finish();
}

std::vector<std::string> values_of(const std::string& records) {
  std::vector<std::string> out;
  std::string_view rest = records;
  while (!rest.empty()) {
    auto batch = es::record_batch_view::parse(rest);
    REQUIRE(batch);
    for (const es::record_view& r : batch.value())
      out.emplace_back(r.value.value_or(""));
    rest.remove_prefix(batch.value().size_bytes());
  }
  return out;
}

}  // namespace

TEST_CASE("produce appends, commits and is fetched up to the high watermark", "[partition]") {
  temp_dir dir;
  partition::options opts;
  opts.log.flush = es::flush_policy::always();
  auto p = open_partition(dir.path(), opts);
  std::atomic<std::int64_t> notified{-1};
  p->on_commit([&](std::int64_t hw) { notified = hw; });

  std::string batch = cairn::testing::make_batch(3, "a", 1000);
  auto produced = p->produce(batch, acks::all);
  REQUIRE(produced);
  CHECK(produced.value().base_offset == 0);
  CHECK(produced.value().last_offset == 2);
  CHECK(p->high_watermark() == 3);
  CHECK(notified == 3);
  CHECK(p->log().flushed_offset() == 3);

  auto fetched = p->fetch(0, 1 << 20);
  REQUIRE(fetched);
  CHECK(fetched.value().high_watermark == 3);
  CHECK(fetched.value().next_offset == 3);
  CHECK(values_of(fetched.value().range.read().value()).size() == 3);
}

TEST_CASE("an idempotent retry is written once, also after a restart", "[partition]") {
  temp_dir dir;
  {
    auto p = open_partition(dir.path());
    std::string first = idempotent_batch(42, 0, 0, 2);
    std::string retry = first;
    REQUIRE(p->produce(first, acks::all));
    auto again = p->produce(retry, acks::all);
    REQUIRE(again);
    CHECK(again.value().duplicate);
    CHECK(again.value().base_offset == 0);
    CHECK(p->log_end_offset() == 2);
    std::string gap = idempotent_batch(42, 0, 5, 1);
    CHECK(p->produce(gap, acks::all).error() == errc::out_of_order_sequence);
    std::string next = idempotent_batch(42, 0, 2, 1);
    REQUIRE(p->produce(next, acks::all));
    REQUIRE(p->close());
  }
  auto p = open_partition(dir.path());
  std::string retry = idempotent_batch(42, 0, 2, 1);
  auto again = p->produce(retry, acks::all);
  REQUIRE(again);
  CHECK(again.value().duplicate);
  CHECK(again.value().base_offset == 2);
  CHECK(p->log_end_offset() == 3);
  std::string zombie = idempotent_batch(42, -1, 3, 1);
  std::string fresh_epoch = idempotent_batch(42, 1, 0, 1);
  REQUIRE(p->produce(fresh_epoch, acks::all));
  std::string old_epoch = idempotent_batch(42, 0, 3, 1);
  CHECK(p->produce(old_epoch, acks::all).error() == errc::invalid_producer_epoch);
}

TEST_CASE("append to stream checks the expected version and numbers the events", "[partition]") {
  temp_dir dir;
  auto p = open_partition(dir.path());
  CHECK_FALSE(p->has_stream_index());
  auto read_empty = p->read_stream("order-1", stream_version{0}, 10);
  REQUIRE(read_empty);
  CHECK_FALSE(read_empty.value().last_version.has_value());
  CHECK_FALSE(p->has_stream_index());  // reading does not create an index

  auto created = p->append_to_stream("order-1", es::expected_version::no_stream,
                                     events({"placed", "paid"}), acks::all);
  REQUIRE(created);
  CHECK_FALSE(created.value().conflict);
  CHECK(created.value().first_version == stream_version{0});
  CHECK(created.value().last_version == stream_version{1});
  CHECK(p->has_stream_index());

  auto again =
      p->append_to_stream("order-1", es::expected_version::no_stream, events({"x"}), acks::all);
  REQUIRE(again);
  REQUIRE(again.value().conflict);
  CHECK(again.value().conflict->actual == stream_version{1});
  auto stale = p->append_to_stream("order-1", es::expected_version::exact(stream_version{0}),
                                   events({"x"}), acks::all);
  REQUIRE(stale.value().conflict);
  auto exact = p->append_to_stream("order-1", es::expected_version::exact(stream_version{1}),
                                   events({"shipped"}, "order-1"), acks::all);
  REQUIRE(exact);
  CHECK(exact.value().first_version == stream_version{2});
  auto missing =
      p->append_to_stream("order-2", es::expected_version::exists, events({"x"}), acks::all);
  REQUIRE(missing.value().conflict);
  CHECK_FALSE(missing.value().conflict->actual.has_value());
  CHECK(p->append_to_stream("order-1", es::expected_version::any, events({"x"}, "other"), acks::all)
            .error() == errc::invalid_stream_batch);

  // Plain produce to the same partition, interleaved: not a stream event, not indexed.
  std::string plain = cairn::testing::make_batch(2, "noise", 3000);
  REQUIRE(p->produce(plain, acks::all));
  REQUIRE(
      p->append_to_stream("order-1", es::expected_version::any, events({"delivered"}), acks::all));

  auto read = p->read_stream("order-1", stream_version{1}, 10);
  REQUIRE(read);
  CHECK(read.value().last_version == stream_version{3});
  CHECK(values_of(read.value().records) ==
        std::vector<std::string>{"paid", "shipped", "delivered"});
  REQUIRE(read.value().entries.size() == 3);
  CHECK(read.value().entries[0].version == stream_version{1});
  CHECK(read.value().entries[2].offset.value() == 5);
  // Each returned record carries its stream key and version.
  auto first = es::record_batch_view::parse(read.value().records).value();
  for (const es::record_view& r : first) {
    CHECK(r.key == "order-1");
    CHECK(r.header(es::kStreamVersionHeader).has_value());
    CHECK(r.header("type") == "test.Happened.v1");
  }

  // The index survives a restart and picks up where it was.
  REQUIRE(p->close());
  p.reset();
  auto reopened = open_partition(dir.path());
  CHECK(reopened->has_stream_index());
  auto next = reopened->append_to_stream("order-1", es::expected_version::exact(stream_version{3}),
                                         events({"returned"}), acks::all);
  REQUIRE(next);
  CHECK(next.value().first_version == stream_version{4});
}

TEST_CASE("writers racing on one expected version: exactly one wins each round",
          "[partition][threads]") {
  temp_dir dir;
  partition::options opts;
  opts.log.flush = es::flush_policy::always();
  auto p = open_partition(dir.path(), opts);
  constexpr int kWriters = 8;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    auto expected = round == 0 ? es::expected_version::no_stream
                               : es::expected_version::exact(stream_version{round - 1});
    std::atomic<int> wins{0}, conflicts{0}, errors{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        auto r = p->append_to_stream("hot", expected, events({"w" + std::to_string(w)}), acks::all);
        if (!r) {
          ++errors;
        } else if (r.value().conflict) {
          ++conflicts;
        } else {
          ++wins;
        }
      });
    }
    for (auto& t : writers)
      t.join();
    CHECK(wins == 1);
    CHECK(conflicts == kWriters - 1);
    CHECK(errors == 0);
  }
  auto read = p->read_stream("hot", stream_version{0}, 1000);
  REQUIRE(read);
  CHECK(read.value().entries.size() == kRounds);
  CHECK(read.value().last_version == stream_version{kRounds - 1});
}

TEST_CASE("bad batches are refused and nothing is stored", "[partition][bad-input]") {
  temp_dir dir;
  auto p = open_partition(dir.path());
  std::string batch = cairn::testing::make_batch(2, "a", 1);
  batch[batch.size() - 3] ^= 0x55;
  CHECK(p->produce(batch, acks::all).error() == es::errc::crc_mismatch);
  std::string garbage = "not a batch at all";
  CHECK_FALSE(p->produce(garbage, acks::all));
  CHECK_FALSE(p->append_to_stream("s", es::expected_version::any, garbage, acks::all));
  CHECK(p->append_to_stream("", es::expected_version::any, events({"x"}), acks::all).error() ==
        errc::invalid_stream_batch);
  CHECK(p->log_end_offset() == 0);
  CHECK(p->high_watermark() == 0);
}

TEST_CASE("stream reads skip events that retention deleted", "[partition]") {
  temp_dir dir;
  partition::options opts;
  opts.log.segment_bytes_max = 512;
  auto p = open_partition(dir.path(), opts);
  for (int i = 0; i < 30; ++i) {
    auto expected = i == 0 ? es::expected_version::no_stream
                           : es::expected_version::exact(stream_version{i - 1});
    REQUIRE(p->append_to_stream("long", expected, events({"e" + std::to_string(i)}), acks::all));
  }
  REQUIRE(p->log().apply_retention({.retention_bytes = 1024}).value() > 0);
  auto read = p->read_stream("long", stream_version{0}, 100);
  REQUIRE(read);
  CHECK(read.value().last_version == stream_version{29});
  REQUIRE_FALSE(read.value().entries.empty());
  CHECK(read.value().entries.front().version > stream_version{0});
  CHECK(read.value().entries.back().version == stream_version{29});
  CHECK(values_of(read.value().records).back() == "e29");
}

TEST_CASE("read_stream stops at its byte budget but always returns one event",
          "[partition][streams]") {
  temp_dir dir;
  auto p = open_partition(dir.path());
  std::string big(1000, 'x');
  REQUIRE(p->append_to_stream("s", es::expected_version::any, events({big, big, big, big}, "s"),
                              acks::all));
  auto all = p->read_stream("s", stream_version{0}, 100);
  REQUIRE(all);
  CHECK(all.value().entries.size() == 4);
  auto some = p->read_stream("s", stream_version{0}, 100, 2500);
  REQUIRE(some);
  CHECK(some.value().entries.size() == 2);
  CHECK(values_of(some.value().records).size() == 2);
  auto one = p->read_stream("s", stream_version{1}, 100, 10);
  REQUIRE(one);
  REQUIRE(one.value().entries.size() == 1);
  CHECK(one.value().entries[0].version == stream_version{1});
}

TEST_CASE("a stream append is readable only once committed, and the read says how far to wait",
          "[partition]") {
  temp_dir dir;
  auto p = open_partition(dir.path().string());
  REQUIRE(p->append_to_stream("s", es::expected_version::no_stream, events({"first"}), acks::all));

  // Appended, not committed: the next expected-version check sees it, a reader does not yet.
  auto second =
      p->stream_append("s", es::expected_version::exact(stream_version{0}), events({"second"}));
  REQUIRE(second);
  REQUIRE_FALSE(second.value().conflict);
  CHECK(second.value().end_offset() == 2);
  auto stale =
      p->stream_append("s", es::expected_version::exact(stream_version{0}), events({"late"}));
  REQUIRE(stale.value().conflict);
  CHECK(stale.value().conflict->actual == stream_version{1});

  auto before = p->read_stream("s", stream_version{0}, 10);
  REQUIRE(before);
  CHECK(values_of(before.value().records) == std::vector<std::string>{"first"});
  CHECK(before.value().pending_end == 2);

  REQUIRE(p->commit(second.value().end_offset()));
  auto after = p->read_stream("s", stream_version{0}, 10);
  REQUIRE(after);
  CHECK(values_of(after.value().records) == std::vector<std::string>{"first", "second"});
  CHECK(after.value().pending_end == -1);
}

TEST_CASE("a LogAppendTime partition stamps new batches with the log's clock", "[partition]") {
  temp_dir dir;
  std::atomic<std::int64_t> now{5'000'000};
  partition::options opts;
  opts.log.clock_ms = [&] { return now.load(); };
  auto p = open_partition(dir.path(), opts);
  p->set_timestamp_type(es::timestamp_type::log_append_time);

  // Records created at 1000; appended at 5'000'000, then a second batch at 6'000'000.
  std::string first = cairn::testing::make_batch(3, "a", 1000);
  auto one = p->produce(first, acks::all);
  REQUIRE(one);
  CHECK(one.value().log_append_time_ms == 5'000'000);
  now = 6'000'000;
  std::string second = idempotent_batch(9, 0, 0, 2);
  auto two = p->produce(second, acks::all);
  REQUIRE(two);
  CHECK(two.value().log_append_time_ms == 6'000'000);

  // Stored stamped: every record reads its batch's append time.
  auto fetched = p->fetch(0, 1 << 20);
  REQUIRE(fetched);
  auto bytes = fetched.value().range.read();
  REQUIRE(bytes);
  std::vector<std::int64_t> times;
  std::string_view rest = bytes.value();
  while (!rest.empty()) {
    auto batch = es::record_batch_view::parse(rest);
    REQUIRE(batch);
    CHECK(es::is_log_append_time(batch.value().header()));
    for (const es::record_view& r : batch.value())
      times.push_back(es::record_timestamp(batch.value(), r));
    rest.remove_prefix(batch.value().size_bytes());
  }
  CHECK(times == std::vector<std::int64_t>{5'000'000, 5'000'000, 5'000'000, 6'000'000, 6'000'000});

  // The time index and ListOffsets go by append time, not by the producer's 1000.
  CHECK(p->offset_for_timestamp(1000).value() == 0);
  CHECK(p->offset_for_timestamp(5'500'000).value() == 3);
  CHECK_FALSE(p->offset_for_timestamp(6'000'001).value());
  offset_lookup at = lookup_offset(*p, 5'500'000);
  CHECK(at.offset == 3);
  CHECK(at.timestamp == 6'000'000);
  offset_lookup newest = lookup_offset(*p, kMaxTimestamp);
  CHECK(newest.offset == 3);
  CHECK(newest.timestamp == 6'000'000);

  // A retry is answered with the original's append time, not the clock's.
  now = 7'000'000;
  std::string retry = idempotent_batch(9, 0, 0, 2);
  auto again = p->produce(retry, acks::all);
  REQUIRE(again);
  CHECK(again.value().duplicate);
  CHECK(again.value().log_append_time_ms == 6'000'000);

  // A stream append is stamped as a produce is.
  auto appended = p->append_to_stream("order-1", es::expected_version::any,
                                      events({"placed"}, "order-1"), acks::all);
  REQUIRE(appended);
  CHECK(appended.value().log_append_time_ms == 7'000'000);
  auto read = p->read_stream("order-1", stream_version{0}, 10);
  REQUIRE(read);
  auto stream_batch = es::record_batch_view::parse(read.value().records);
  REQUIRE(stream_batch);
  for (const es::record_view& r : stream_batch.value())
    CHECK(es::record_timestamp(stream_batch.value(), r) == 7'000'000);

  // Back to CreateTime: new batches keep their producer's time, old ones their stamp.
  p->set_timestamp_type(es::timestamp_type::create_time);
  std::string later = cairn::testing::make_batch(1, "c", 1234);
  auto three = p->produce(later, acks::all);
  REQUIRE(three);
  CHECK(three.value().log_append_time_ms == -1);
  CHECK(lookup_offset(*p, 1234).offset == 0);
  CHECK(lookup_offset(*p, 6'000'001).offset == 5);  // the stream event, stamped 7'000'000
}
