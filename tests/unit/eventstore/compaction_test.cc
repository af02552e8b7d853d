#include "eventstore/log/compaction.h"

#include <catch2/catch.hpp>
#include <map>

#include "eventstore/log/partition_log.h"
#include "eventstore/record/timestamp_type.h"
#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

using namespace cairn::eventstore;
using cairn::testing::test_record;

namespace {

// key → (offset, value or "<null>") of every record, through a validating scan.
std::multimap<std::string, std::pair<std::int64_t, std::string>> contents(
    const partition_log& log) {
  std::multimap<std::string, std::pair<std::int64_t, std::string>> out;
  REQUIRE(log.scan(0, [&](const record_batch_view& b) -> cairn::result<void> {
    for (const record_view& r : b) {
      out.emplace(std::string(r.key.value_or("<no key>")),
                  std::pair{b.base_offset() + r.offset_delta,
                            r.value ? std::string(*r.value) : std::string("<null>")});
    }
    return cairn::success();
  }));
  return out;
}

}  // namespace

TEST_CASE("compaction keeps the latest record per key with its offset", "[compaction]") {
  cairn::testing::temp_dir dir;
  std::int64_t now = 1'000'000;
  log_options options;
  options.segment_bytes_max = 1024;
  options.clock_ms = [&now] { return now; };
  auto log = partition_log::open(dir.path(), options).value();

  // 5 keys written 20 times each, interleaved, plus keyless records; then tombstones for two
  // keys, one old enough to be dropped and one recent.
  for (int round = 0; round < 20; ++round) {
    std::vector<test_record> records;
    for (int k = 0; k < 5; ++k) {
      records.push_back({"key" + std::to_string(k), "v" + std::to_string(round), now - 10'000});
    }
    records.push_back({std::nullopt, "keyless" + std::to_string(round), now - 10'000});
    std::string batch = cairn::testing::make_batch(records);
    REQUIRE(log->append(batch));
  }
  std::string old_tombstone = cairn::testing::make_batch({{"key0", std::nullopt, now - 5000}});
  std::string new_tombstone = cairn::testing::make_batch({{"key1", std::nullopt, now - 10}});
  REQUIRE(log->append(old_tombstone));
  REQUIRE(log->append(new_tombstone));
  REQUIRE(log->roll());  // seal everything so all of it is eligible
  auto end_before = log->end_offset();
  auto before = contents(*log);

  auto result = log->compact({.delete_retention_ms = 1000});
  REQUIRE(result);
  CHECK(result.value().segments_rewritten > 0);
  CHECK(result.value().tombstones_removed == 1);
  CHECK(result.value().bytes_after < result.value().bytes_before);
  CHECK(log->end_offset() == end_before);

  auto after = contents(*log);
  CHECK(after.count("key0") == 0);  // old tombstone gone, and everything it superseded
  REQUIRE(after.count("key1") == 1);
  CHECK(after.find("key1")->second.second == "<null>");  // the recent tombstone stays
  for (const char* key : {"key2", "key3", "key4"}) {
    REQUIRE(after.count(key) == 1);
    auto latest = before.equal_range(key);
    std::pair<std::int64_t, std::string> newest{-1, ""};
    for (auto it = latest.first; it != latest.second; ++it)
      newest = std::max(newest, it->second);
    CHECK(after.find(key)->second == newest);  // same offset, same value
  }
  CHECK(after.count("<no key>") == 20);

  // Compacting again changes nothing; the log reopens (indexes rebuilt or loaded) identically.
  auto again = log->compact({.delete_retention_ms = 1000});
  REQUIRE(again);
  CHECK(again.value().segments_rewritten == 0);
  REQUIRE(log->close());
  log.reset();
  recovery_report report;
  auto reopened = partition_log::open(dir.path(), options, &report).value();
  CHECK(report.bytes_truncated == 0);
  CHECK(contents(*reopened) == after);
  // Reads into a compacted gap return the next record that is left.
  auto chunk = reopened->read(0, 1 << 20);
  REQUIRE(chunk);
  CHECK(chunk.value().range.size > 0);
}

TEST_CASE("compaction rewrites compressed batches with their codec", "[compaction][compression]") {
  cairn::testing::temp_dir dir;
  std::int64_t now = 1'000'000;
  log_options options;
  options.clock_ms = [&now] { return now; };
  auto log = partition_log::open(dir.path(), options).value();
  const compression_codec codecs[] = {compression_codec::gzip, compression_codec::snappy,
                                      compression_codec::lz4, compression_codec::zstd};
  // Per codec, one batch of 40 records over 4 keys (10 versions of each, the last one kept),
  // with text that compresses; then one more round overwriting keys 0 and 1 only.
  const std::string padding(60, 'p');
  for (int round = 0; round < 2; ++round) {
    for (compression_codec codec : codecs) {
      std::vector<test_record> records;
      for (int i = 0; i < 40; ++i) {
        int key = round == 0 ? i % 4 : i % 2;
        records.push_back(
            {std::string(codec_name(codec)) + "-key" + std::to_string(key),
             "round " + std::to_string(round) + " version " + std::to_string(i) + padding,
             now - 10'000 + i});
      }
      std::string batch = cairn::testing::make_batch(records, codec);
      REQUIRE(record_batch_view::parse(batch).value().compression() == codec);
      REQUIRE(log->append(batch));
    }
  }
  REQUIRE(log->roll());
  auto before = contents(*log);

  auto result = log->compact({.delete_retention_ms = 1000});
  REQUIRE(result);
  CHECK(result.value().segments_rewritten == 1);
  CHECK(result.value().records_removed == 4 * (40 + 40) - 4 * 4);

  auto after = contents(*log);
  for (compression_codec codec : codecs) {
    for (int key = 0; key < 4; ++key) {
      std::string name = std::string(codec_name(codec)) + "-key" + std::to_string(key);
      INFO(name);
      REQUIRE(after.count(name) == 1);
      auto range = before.equal_range(name);
      std::pair<std::int64_t, std::string> newest{-1, ""};
      for (auto it = range.first; it != range.second; ++it)
        newest = std::max(newest, it->second);
      CHECK(after.find(name)->second == newest);
    }
  }
  // Each rewritten batch kept its codec (two records of 80-odd bytes with repeated padding still
  // shrink) and its offset range.
  std::vector<compression_codec> seen;
  std::vector<std::int64_t> next_offsets;
  REQUIRE(log->scan(0, [&](const record_batch_view& b) -> cairn::result<void> {
    seen.push_back(b.compression());
    next_offsets.push_back(b.next_offset());
    return cairn::success();
  }));
  CHECK(seen == std::vector<compression_codec>{codecs[0], codecs[1], codecs[2], codecs[3],
                                               codecs[0], codecs[1], codecs[2], codecs[3]});
  CHECK(next_offsets == std::vector<std::int64_t>{40, 80, 120, 160, 200, 240, 280, 320});
}

TEST_CASE("a compaction pass with nothing newly sealed waits out delete_retention_ms",
          "[compaction]") {
  cairn::testing::temp_dir dir;
  std::int64_t now = 1'000'000;
  log_options options;
  options.clock_ms = [&now] { return now; };
  auto log = partition_log::open(dir.path(), options).value();
  std::string values = cairn::testing::make_batch({{"a", "1", now}, {"a", "2", now}});
  std::string tombstone = cairn::testing::make_batch({{"b", std::nullopt, now - 900}});
  REQUIRE(log->append(values));
  REQUIRE(log->append(tombstone));
  REQUIRE(log->roll());
  const compaction_options compact{.delete_retention_ms = 1000};
  auto first = log->compact(compact);
  REQUIRE(first);
  CHECK(first.value().records_removed == 1);  // a=1
  CHECK(contents(*log).count("b") == 1);      // the tombstone is 900 ms old: it stays

  // 200 ms on, the tombstone has expired, but nothing new was sealed: the log is not reread.
  now += 200;
  auto skipped = log->compact(compact);
  REQUIRE(skipped);
  CHECK(skipped.value().bytes_before == 0);
  CHECK(contents(*log).count("b") == 1);

  // A whole delete_retention_ms after the last pass, one runs and drops it.
  now += 900;
  auto expired = log->compact(compact);
  REQUIRE(expired);
  CHECK(expired.value().tombstones_removed == 1);
  CHECK(contents(*log).count("b") == 0);

  // Newly sealed data is compacted at once.
  std::string newer = cairn::testing::make_batch({{"a", "3", now}});
  REQUIRE(log->append(newer));
  REQUIRE(log->roll());
  auto fresh = log->compact(compact);
  REQUIRE(fresh);
  CHECK(fresh.value().records_removed == 1);  // a=2
}

TEST_CASE("compaction keeps a LogAppendTime batch's stamp and ages tombstones by it",
          "[compaction]") {
  cairn::testing::temp_dir dir;
  std::int64_t now = 1'000'000;
  log_options options;
  options.clock_ms = [&now] { return now; };
  auto log = partition_log::open(dir.path(), options).value();

  // Created at time 0 (long before delete_retention_ms), appended at 999'900 (recently): the
  // tombstone's age is its append time's, so it stays; the batch loses "a"'s first record and
  // is rewritten with its stamp.
  std::string batch =
      cairn::testing::make_batch({{"a", "old", 0}, {"a", "new", 0}, {"b", std::nullopt, 0}});
  auto view = record_batch_view::parse(batch).value();
  apply_timestamp_type(batch, view, timestamp_type::log_append_time, 999'900);
  REQUIRE(log->append(batch));
  REQUIRE(log->roll());

  auto result = log->compact({.delete_retention_ms = 1000});
  REQUIRE(result);
  CHECK(result.value().records_removed == 1);
  CHECK(result.value().tombstones_removed == 0);
  int batches = 0;
  REQUIRE(log->scan(0, [&](const record_batch_view& b) -> cairn::result<void> {
    ++batches;
    CHECK(is_log_append_time(b.header()));
    CHECK(b.header().max_timestamp == 999'900);
    CHECK(b.records_count() == 2);
    for (const record_view& r : b)
      CHECK(record_timestamp(b, r) == 999'900);
    return cairn::success();
  }));
  CHECK(batches == 1);
  CHECK(log->offset_for_timestamp(999'900).value() == 1);
}
