#include "eventstore/stream/stream_index.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cairn/lmdb/txn.h"
#include "eventstore/errc.h"
#include "eventstore/record/endian.h"
#include "stream_test_util.h"

using namespace cairn;
using namespace cairn::eventstore;
using cairn::test::event;
using cairn::test::memory_log;
using cairn::test::temp_dir;
using cairn::test::test_record;

namespace {

stream_index open_index(const std::filesystem::path& dir, stream_index_options opts = {}) {
  auto index = stream_index::open(dir, opts);
  REQUIRE(index);
  return std::move(index).value();
}

std::vector<stream_entry> entries(std::initializer_list<std::pair<std::int64_t, std::int64_t>> l) {
  std::vector<stream_entry> out;
  for (auto [v, o] : l)
    out.push_back({stream_version{v}, log_offset{o}});
  return out;
}

std::optional<stream_version> version(std::int64_t v) {
  return stream_version{v};
}

}  // namespace

TEST_CASE("stream version headers parse strictly", "[stream_index]") {
  CHECK(parse_stream_version("0") == version(0));
  CHECK(parse_stream_version("42") == version(42));
  CHECK(parse_stream_version("9223372036854775807") == version(INT64_MAX));
  for (std::string_view bad : {"", "-1", "+1", " 1", "1 ", "01", "00", "1a", "0x1", "1.0",
                               "9223372036854775808", "99999999999999999999", "-0"}) {
    INFO(bad);
    CHECK(parse_stream_version(bad) == std::nullopt);
  }
  CHECK(format_stream_version(stream_version{0}) == "0");
  CHECK(format_stream_version(stream_version{INT64_MAX}) == "9223372036854775807");
  CHECK(parse_stream_version(format_stream_version(stream_version{123})) == version(123));
}

TEST_CASE("apply indexes stream events and answers version and range lookups", "[stream_index]") {
  temp_dir dir;
  auto index = open_index(dir.path() / std::string(kStreamIndexDirName));
  CHECK(index.applied_offset().value() == 0);
  CHECK(index.current_version("a").value() == std::nullopt);

  memory_log log;
  log.append({event("a", 0), event("a", 1), event("b", 0)});  // offsets 0..2
  log.append({{std::nullopt, std::nullopt}, event("a", 2)});  // 3: plain record, 4
  log.append({event("b", 1), event("a", 3), event("a", 4)});  // 5..7
  auto stats = index.apply(log.views()).value();
  CHECK(stats == apply_stats{.events_indexed = 7, .records_ignored = 1});
  CHECK(index.applied_offset().value() == 8);

  CHECK(index.current_version("a").value() == version(4));
  CHECK(index.current_version("b").value() == version(1));
  CHECK(index.current_version("c").value() == std::nullopt);

  using V = stream_version;
  CHECK(index.offsets("a", V{0}, V{100}, 100).value() ==
        entries({{0, 0}, {1, 1}, {2, 4}, {3, 6}, {4, 7}}));
  CHECK(index.offsets("a", V{2}, V{4}, 100).value() == entries({{2, 4}, {3, 6}}));
  CHECK(index.offsets("a", V{1}, V{100}, 2).value() == entries({{1, 1}, {2, 4}}));
  CHECK(index.offsets("a", V{4}, V{5}, 1).value() == entries({{4, 7}}));
  CHECK(index.offsets("a", V{5}, V{100}, 100).value().empty());
  CHECK(index.offsets("a", V{3}, V{3}, 100).value().empty());
  CHECK(index.offsets("a", V{3}, V{1}, 100).value().empty());
  CHECK(index.offsets("a", V{0}, V{100}, 0).value().empty());
  CHECK(index.offsets("b", V{0}, V{100}, 100).value() == entries({{0, 2}, {1, 5}}));
  CHECK(index.offsets("c", V{0}, V{100}, 100).value().empty());
  CHECK(index.offsets("a", V{-1}, V{100}, 100).error() == errc::invalid_argument);
}

TEST_CASE("applying the same batches again changes nothing", "[stream_index]") {
  temp_dir dir;
  auto index = open_index(dir.path());
  memory_log log;
  log.append({event("a", 0), event("a", 1)});
  log.append({event("a", 2), event("b", 0)});
  log.append({event("a", 3)});
  REQUIRE(index.apply(log.views(0, 2)));
  auto before = index.dump().value();

  auto again = index.apply(log.views(0, 2)).value();
  CHECK(again == apply_stats{.records_already_applied = 4});
  CHECK(index.dump().value() == before);

  // Overlapping: the old batches are skipped, the new one is applied.
  auto overlap = index.apply(log.views(1, 3)).value();
  CHECK(overlap == apply_stats{.events_indexed = 1, .records_already_applied = 2});
  CHECK(index.current_version("a").value() == version(3));
  CHECK(index.applied_offset().value() == 5);
  CHECK(index.apply({}).value() == apply_stats{});
}

TEST_CASE("records that are not valid next events are skipped and counted", "[stream_index]") {
  temp_dir dir;
  auto index = open_index(dir.path());
  const std::string too_long(index.max_key_size_bytes() + 1, 'k');
  const std::string longest(index.max_key_size_bytes(), 'k');
  memory_log log;
  log.append({
      {std::nullopt, "0"},      // 0: no key: not a stream event
      {"plain", std::nullopt},  // 1: no version header: not a stream event
      event("a", 0),            // 2
      {"a", "x"},               // 3: malformed version
      {"a", "-1"},              // 4: negative
      {"a", "01"},              // 5: not canonical
      {"a", ""},                // 6: empty
      event("a", 2),            // 7: gap (current is 0)
      event("a", 0),            // 8: duplicate
      event("a", 1),            // 9: the real next
      event("late", 5),         // 10: a new stream accepts its first seen version
      event("late", 7),         // 11: gap
      event("late", 6),         // 12
      {too_long, "0"},          // 13: key too long
      {"", "0"},                // 14: empty key
      {longest, "0"},           // 15: the longest key LMDB takes
  });
  auto stats = index.apply(log.views()).value();
  CHECK(stats.events_indexed == 5);
  CHECK(stats.events_skipped == 9);
  CHECK(stats.records_ignored == 2);
  CHECK(index.applied_offset().value() == 16);

  using V = stream_version;
  CHECK(index.offsets("a", V{0}, V{10}, 10).value() == entries({{0, 2}, {1, 9}}));
  CHECK(index.offsets("late", V{0}, V{10}, 10).value() == entries({{5, 10}, {6, 12}}));
  CHECK(index.current_version(longest).value() == version(0));
  CHECK(index.current_version(too_long).error() == errc::stream_key_too_long);
  CHECK(index.offsets(too_long, V{0}, V{1}, 1).error() == errc::stream_key_too_long);
  CHECK(index.current_version("").error() == errc::invalid_argument);
  CHECK(index.current_version("plain").value() == std::nullopt);
}

TEST_CASE("control batches are not stream events", "[stream_index]") {
  temp_dir dir;
  auto index = open_index(dir.path());
  record_batch_builder builder({.base_offset = 0, .attributes = batch_layout::kControl});
  header_view headers[] = {{kStreamVersionHeader, "0"}};
  builder.add({.key = std::string_view("a"), .value = std::string_view("v"), .headers = headers});
  const std::string bytes = builder.finish();
  auto batch = record_batch_view::parse(bytes).value();
  auto stats = index.apply(std::span(&batch, 1)).value();
  CHECK(stats == apply_stats{.records_ignored = 1});
  CHECK(index.current_version("a").value() == std::nullopt);
  CHECK(index.applied_offset().value() == 1);
}

TEST_CASE("the index persists across reopen and reset empties it", "[stream_index]") {
  temp_dir dir;
  memory_log log;
  log.append({event("a", 0), event("a", 1), event("b", 0)});
  {
    auto index = open_index(dir.path());
    REQUIRE(index.apply(log.views()));
    REQUIRE(index.flush());
  }
  auto index = open_index(dir.path());
  CHECK(index.applied_offset().value() == 3);
  CHECK(index.current_version("a").value() == version(1));
  REQUIRE(index.reset());
  CHECK(index.applied_offset().value() == 0);
  CHECK(index.dump().value() == stream_index_dump{});
}

namespace {

// A log of many random streams: mostly valid appends, with plain records, bad headers, gaps and
// duplicates mixed in, in batches of random size; with `compressed`, the batches take turns
// through the codecs (none, gzip, snappy, lz4, zstd).
memory_log random_log(std::uint64_t seed, int batches, bool compressed = false) {
  std::mt19937_64 prng(seed);
  std::map<std::string, std::int64_t> next;
  memory_log log;
  for (int b = 0; b < batches; ++b) {
    const int size = std::uniform_int_distribution<int>(1, 40)(prng);
    std::vector<test_record> records;
    for (int i = 0; i < size; ++i) {
      std::string key = "stream-" + std::to_string(std::uniform_int_distribution<int>(0, 60)(prng));
      const int kind = std::uniform_int_distribution<int>(0, 99)(prng);
      if (kind < 75) {
        // A run of consecutive events of one stream, as one AppendToStream writes them.
        records.push_back(event(key, next[key]++));
      } else if (kind < 82) {
        records.push_back({key, std::nullopt});
      } else if (kind < 86) {
        records.push_back({std::nullopt, "0"});
      } else if (kind < 90) {
        records.push_back({key, "not-a-number"});
      } else if (kind < 95) {
        records.push_back(event(key, next[key] + 3));  // gap
      } else {
        records.push_back(event(key, std::max<std::int64_t>(0, next[key] - 1)));  // duplicate
      }
    }
    log.append(records,
               compressed ? static_cast<compression_codec>(b % 5) : compression_codec::none);
  }
  return log;
}

}  // namespace

TEST_CASE("rebuild equals incremental apply", "[stream_index]") {
  const auto seed = Catch::rngSeed();
  INFO("seed " << seed);
  memory_log log = random_log(seed, 400);
  std::mt19937_64 prng(seed + 1);

  temp_dir dir;
  auto incremental = open_index(dir.path() / "incremental");
  apply_stats incremental_stats;
  for (std::size_t i = 0; i < log.batch_count();) {
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 8)(prng);
    const std::size_t last = std::min(log.batch_count(), i + n);
    incremental_stats += incremental.apply(log.views(i, last)).value();
    i = last;
  }
  CHECK(incremental_stats.events_indexed > 0);
  CHECK(incremental_stats.events_skipped > 0);

  // Small chunks, so the rebuild commits many times.
  auto rebuilt = open_index(dir.path() / "rebuilt", {.chunk_records = 97});
  auto rebuild_stats = rebuilt.rebuild(log.source()).value();
  CHECK(rebuild_stats == incremental_stats);
  auto expected = incremental.dump().value();
  CHECK(expected.applied_offset == log.end_offset());
  CHECK(rebuilt.dump().value() == expected);

  // catch_up from an empty index, and from a half-applied one, gives the same index.
  auto caught_up = open_index(dir.path() / "caught-up", {.chunk_records = 1000});
  REQUIRE(caught_up.apply(log.views(0, log.batch_count() / 2)));
  REQUIRE(caught_up.catch_up(log.source(), log.end_offset()));
  CHECK(caught_up.dump().value() == expected);
  CHECK(caught_up.catch_up(log.source(), log.end_offset()).value() == apply_stats{});

  // Rebuilding an index that already has content starts from scratch.
  REQUIRE(incremental.rebuild(log.source()));
  CHECK(incremental.dump().value() == expected);
}

TEST_CASE("compressed batches index exactly as the same records uncompressed",
          "[stream_index][compression]") {
  const auto seed = Catch::rngSeed();
  INFO("seed " << seed);
  memory_log plain = random_log(seed, 150);
  memory_log packed = random_log(seed, 150, true);
  REQUIRE(packed.end_offset() == plain.end_offset());
  std::size_t compressed_batches = 0;
  for (const record_batch_view& b : packed.views()) {
    if (b.compression() != compression_codec::none) ++compressed_batches;
  }
  CHECK(compressed_batches > 50);  // most batches hold enough records to shrink

  temp_dir dir;
  auto from_plain = open_index(dir.path() / "plain");
  auto plain_stats = from_plain.apply(plain.views()).value();
  auto from_packed = open_index(dir.path() / "packed");
  CHECK(from_packed.apply(packed.views()).value() == plain_stats);
  CHECK(from_packed.dump().value() == from_plain.dump().value());
  // Through a batch_source whose buffers die after each visit (the decoded records with them).
  auto rebuilt = open_index(dir.path() / "rebuilt", {.chunk_records = 97});
  CHECK(rebuilt.rebuild(packed.source()).value() == plain_stats);
  CHECK(rebuilt.dump().value() == from_plain.dump().value());
}

TEST_CASE("catch_up rebuilds when the index is ahead of the log", "[stream_index]") {
  temp_dir dir;
  memory_log log;
  log.append({event("a", 0), event("a", 1)});  // 0..1
  log.append({event("a", 2), event("b", 0)});  // 2..3
  log.append({event("a", 3), event("b", 1)});  // 4..5
  auto index = open_index(dir.path() / "index");
  REQUIRE(index.apply(log.views()));
  REQUIRE(index.applied_offset().value() == 6);

  // A crash lost the log's unflushed tail (offsets 2..5) that the index had applied, and new
  // appends reuse those offsets with other events.
  log.truncate(2);
  REQUIRE(log.end_offset() == 2);
  log.append({event("c", 0)});  // 2
  auto stats = index.catch_up(log.source(), log.end_offset()).value();
  CHECK(stats.events_indexed == 3);

  auto fresh = open_index(dir.path() / "fresh");
  REQUIRE(fresh.rebuild(log.source()));
  CHECK(index.dump().value() == fresh.dump().value());
  CHECK(index.current_version("a").value() == version(1));
  CHECK(index.current_version("b").value() == std::nullopt);
  CHECK(index.offsets("c", stream_version{0}, stream_version{1}, 1).value() == entries({{0, 2}}));
}

TEST_CASE("the map grows when the index outgrows it", "[stream_index]") {
  temp_dir dir;
  memory_log log;
  for (int b = 0; b < 200; ++b) {
    std::vector<test_record> records;
    for (int i = 0; i < 100; ++i) {
      records.push_back(event("key-" + std::to_string(b * 100 + i) + std::string(100, 'x'), 0));
    }
    log.append(records);
  }
  auto small = open_index(dir.path() / "small", {.map_size_bytes = 256 * 1024});
  // Half through apply (one txn retried), half through catch_up (chunks resumed).
  auto first = small.apply(log.views(0, 100));
  REQUIRE(first);
  CHECK(first.value().events_indexed == 10000);
  REQUIRE(small.catch_up(log.source(), log.end_offset()));
  auto reference = open_index(dir.path() / "reference");
  REQUIRE(reference.rebuild(log.source()));
  CHECK(small.dump().value() == reference.dump().value());

  auto capped = open_index(dir.path() / "capped",
                           {.map_size_bytes = 256 * 1024, .map_size_bytes_max = 256 * 1024});
  auto full = capped.apply(log.views());
  REQUIRE(!full);
  CHECK(full.error() == lmdb::condition::map_full);
  CHECK_THAT(full.error().message(), Catch::StartsWith("mdb_"));
}

TEST_CASE("a damaged index value is reported and not trusted", "[stream_index]") {
  temp_dir dir;
  memory_log log;
  log.append({event("a", 0)});
  {
    auto index = open_index(dir.path());
    REQUIRE(index.apply(log.views()));
  }
  {
    auto e = lmdb::env::open(dir.path(), {.max_dbs = 3}).value();
    auto t = lmdb::txn::begin_write(e).value();
    auto streams = t.open_dbi("streams", 0).value();
    REQUIRE(t.put(streams, "a", "short"));
    REQUIRE(t.commit());
  }
  auto index = open_index(dir.path());
  CHECK(index.current_version("a").error() == errc::corrupt_index);
  CHECK(index.dump().error() == errc::corrupt_index);
  // rebuild() drops everything and recovers.
  REQUIRE(index.rebuild(log.source()));
  CHECK(index.current_version("a").value() == version(0));
}

TEST_CASE("an index of another format is emptied on open", "[stream_index]") {
  temp_dir dir;
  memory_log log;
  log.append({event("a", 0)});
  {
    auto index = open_index(dir.path());
    REQUIRE(index.apply(log.views()));
  }
  {
    auto e = lmdb::env::open(dir.path(), {.max_dbs = 3}).value();
    auto t = lmdb::txn::begin_write(e).value();
    auto meta = t.open_dbi("meta", 0).value();
    REQUIRE(t.put(meta, "format", "\x09"));
    REQUIRE(t.commit());
  }
  auto index = open_index(dir.path());
  CHECK(index.applied_offset().value() == 0);
  CHECK(index.current_version("a").value() == std::nullopt);
  REQUIRE(index.catch_up(log.source(), log.end_offset()));
  CHECK(index.current_version("a").value() == version(0));
}

// Not run by default (hidden tag): `eventstore_stream_test "[.perf]"` in a release build.
TEST_CASE("apply throughput with 1000-record batches", "[.perf]") {
  constexpr int kBatches = 1000;
  constexpr int kRecords = 1000;
  constexpr int kStreams = 10000;
  std::mt19937_64 prng(42);
  std::vector<std::int64_t> next(kStreams, 0);
  std::vector<std::string> batches;
  std::int64_t offset = 0;
  for (int b = 0; b < kBatches; ++b) {
    record_batch_builder builder({.base_offset = offset});
    for (int i = 0; i < kRecords;) {
      // Appends of 1..5 events to one stream, as AppendToStream writes them.
      const int stream = std::uniform_int_distribution<int>(0, kStreams - 1)(prng);
      const std::string key = fmt::format("payment-{:08}", stream);
      const int run = std::min(kRecords - i, std::uniform_int_distribution<int>(1, 5)(prng));
      for (int r = 0; r < run; ++r, ++i) {
        const std::string v = format_stream_version(stream_version{next[stream]++});
        header_view headers[] = {{"type", "payments.PaymentAuthorized.v1"},
                                 {kStreamVersionHeader, v}};
        builder.add(
            {.key = key, .value = std::string_view("{\"amount_cents\":100}"), .headers = headers});
      }
    }
    batches.push_back(builder.finish());
    offset += kRecords;
  }
  std::vector<record_batch_view> views;
  for (const auto& b : batches)
    views.push_back(record_batch_view::parse(b).value());

  temp_dir dir;
  auto index = open_index(dir.path(), {.map_size_bytes = std::size_t{1} << 30});
  const auto start = std::chrono::steady_clock::now();
  apply_stats total;
  for (const auto& v : views)
    total += index.apply(std::span(&v, 1)).value();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(total.events_indexed == std::int64_t{kBatches} * kRecords);
  std::printf("stream_index apply: %lld events in %.3f s = %.0f events/s\n",
              static_cast<long long>(total.events_indexed), seconds,
              static_cast<double>(total.events_indexed) / seconds);
}
