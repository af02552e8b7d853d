#include "eventstore/log/partition_log.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "eventstore/errc.h"
#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

using namespace cairn::eventstore;
using cairn::testing::make_batch;
using cairn::testing::temp_dir;

namespace {

log_options small_segments(std::int64_t segment_bytes = 2048) {
  log_options options;
  options.segment_bytes_max = segment_bytes;
  options.segment.index_interval_bytes = 256;
  return options;
}

std::unique_ptr<partition_log> open_log(const std::string& dir, log_options options = {},
                                        recovery_report* report = nullptr) {
  auto log = partition_log::open(dir, std::move(options), report);
  REQUIRE(log);
  return std::move(log).value();
}

append_result append(partition_log& log, std::string batch) {
  auto appended = log.append(batch);
  REQUIRE(appended);
  return appended.value();
}

// Every record of the log from `from`, as (offset, key), read through read().
std::vector<std::pair<std::int64_t, std::string>> read_all(const partition_log& log,
                                                           std::int64_t from = 0) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  std::int64_t offset = from;
  for (int guard = 0; guard < 100000 && offset < log.end_offset(); ++guard) {
    auto chunk = log.read(offset, 1000);
    REQUIRE(chunk);
    if (chunk.value().range.size == 0) {
      offset = chunk.value().next_offset + (chunk.value().next_offset == offset ? 1 : 0);
      continue;
    }
    auto bytes = chunk.value().range.read();
    REQUIRE(bytes);
    std::string_view rest = bytes.value();
    while (!rest.empty()) {
      auto batch = record_batch_view::parse(rest);
      REQUIRE(batch);
      for (const record_view& r : batch.value()) {
        std::int64_t o = batch.value().base_offset() + r.offset_delta;
        if (o >= from) out.emplace_back(o, std::string(r.key.value_or("")));
      }
      rest.remove_prefix(batch.value().size_bytes());
    }
    offset = chunk.value().next_offset;
  }
  return out;
}

}  // namespace

TEST_CASE("append assigns consecutive offsets and stamps them into the batch", "[log]") {
  temp_dir dir;
  auto log = open_log(dir.path());
  CHECK(log->start_offset() == 0);
  CHECK(log->end_offset() == 0);
  std::string first = make_batch(3, "a", 1000);
  auto a = log->append(first);
  REQUIRE(a);
  CHECK(a.value().base_offset == 0);
  CHECK(a.value().last_offset == 2);
  CHECK(record_batch_view::parse(first).value().base_offset() == 0);
  std::string second = make_batch(2, "b", 2000);
  auto b = log->append(second);
  REQUIRE(b);
  CHECK(b.value().base_offset == 3);
  CHECK(record_batch_view::parse(second).value().base_offset() == 3);
  CHECK(log->end_offset() == 5);
}

TEST_CASE("append rejects invalid batches and stores nothing", "[log][bad-input]") {
  temp_dir dir;
  auto log = open_log(dir.path());
  std::string batch = make_batch(2, "k", 1);
  std::string damaged = batch;
  damaged[batch.size() - 1] ^= 1;
  CHECK(log->append(damaged).error() == errc::crc_mismatch);
  std::string with_trailing_bytes = batch + "xx";
  CHECK(log->append(with_trailing_bytes).error() == errc::batch_length_invalid);
  std::string truncated = batch.substr(0, 30);
  CHECK(log->append(truncated).error() == errc::batch_too_short);
  CHECK(log->end_offset() == 0);
  CHECK(log->size_bytes() == 0);
}

TEST_CASE("read returns whole batches from the one holding the offset", "[log]") {
  temp_dir dir;
  auto log = open_log(dir.path());
  for (int i = 0; i < 10; ++i)
    append(*log, make_batch(5, "r" + std::to_string(i), 1000 + i));

  SECTION("from the middle of a batch") {
    auto chunk = log->read(12, 1 << 20);
    REQUIRE(chunk);
    auto bytes = chunk.value().range.read().value();
    CHECK(record_batch_view::parse(bytes).value().base_offset() == 10);
    CHECK(chunk.value().next_offset == 50);
  }
  SECTION("at least one batch even when it exceeds max_bytes") {
    auto chunk = log->read(0, 1);
    REQUIRE(chunk);
    auto bytes = chunk.value().range.read().value();
    CHECK(bytes.size() == record_batch_view::parse(bytes).value().size_bytes());
    CHECK(chunk.value().next_offset == 5);
  }
  SECTION("stops before the high watermark") {
    auto chunk = log->read(0, 1 << 20, 20);
    REQUIRE(chunk);
    CHECK(chunk.value().next_offset == 20);
    auto nothing = log->read(20, 1 << 20, 20);
    REQUIRE(nothing);
    CHECK(nothing.value().range.size == 0);
  }
  SECTION("at the end there is nothing, beyond it is out of range") {
    auto at_end = log->read(50, 100);
    REQUIRE(at_end);
    CHECK(at_end.value().range.size == 0);
    CHECK(log->read(51, 100).error() == errc::offset_out_of_range);
    CHECK(log->read(-1, 100).error() == errc::offset_out_of_range);
  }
}

TEST_CASE("segments roll by size; everything reads back after a clean reopen", "[log]") {
  temp_dir dir;
  {
    auto log = open_log(dir.path(), small_segments());
    for (int i = 0; i < 100; ++i)
      append(*log, make_batch(3, "k" + std::to_string(i), 1000 + i));
    CHECK(log->segment_count() > 5);
    CHECK(read_all(*log).size() == 300);
    REQUIRE(log->close());
  }
  recovery_report report;
  auto log = open_log(dir.path(), small_segments(), &report);
  CHECK(log->end_offset() == 300);
  CHECK(report.indexes_rebuilt == 0);
  CHECK(report.indexes_loaded == static_cast<int>(log->segment_count()));
  CHECK(report.bytes_truncated == 0);
  auto records = read_all(*log);
  REQUIRE(records.size() == 300);
  for (std::int64_t i = 0; i < 300; ++i)
    CHECK(records[static_cast<std::size_t>(i)].first == i);
  CHECK(read_all(*log, 151).front().first == 151);
  append(*log, make_batch(1, "after", 5000));
  CHECK(log->end_offset() == 301);
}

TEST_CASE("segments roll by age of their first batch", "[log]") {
  temp_dir dir;
  std::int64_t now = 1'000'000;
  log_options options;
  options.segment_ms_max = 1000;
  options.clock_ms = [&now] { return now; };
  auto log = open_log(dir.path(), options);
  append(*log, make_batch(1, "a", now));
  now += 500;
  append(*log, make_batch(1, "b", now));
  CHECK(log->segment_count() == 1);
  now += 600;
  append(*log, make_batch(1, "c", now));
  CHECK(log->segment_count() == 2);
}

TEST_CASE("a damaged or missing sealed index is rebuilt from its segment", "[log][recovery]") {
  temp_dir dir;
  {
    auto log = open_log(dir.path(), small_segments());
    for (int i = 0; i < 60; ++i)
      append(*log, make_batch(3, "k" + std::to_string(i), 1000 + i));
    REQUIRE(log->close());
  }
  std::string first_index = dir / "00000000000000000000.index";
  REQUIRE(std::filesystem::exists(first_index));
  SECTION("missing") {
    std::filesystem::remove(first_index);
  }
  SECTION("a flipped byte") {
    auto f = file::open(first_index, file::mode::read_write_create).value();
    char c = 0;
    REQUIRE(f.pread(4, &c, 1));
    c ^= 0x10;
    REQUIRE(f.pwrite_all(4, std::string_view(&c, 1)));
  }
  SECTION("torn") {
    auto f = file::open(first_index, file::mode::read_write_create).value();
    REQUIRE(f.truncate(f.size().value() - 3));
  }
  recovery_report report;
  auto log = open_log(dir.path(), small_segments(), &report);
  CHECK(report.indexes_rebuilt == 1);
  CHECK(read_all(*log).size() == 180);
  CHECK(read_all(*log, 7).front().first == 7);
}

TEST_CASE("offset_for_timestamp finds the first record at or after a time", "[log]") {
  temp_dir dir;
  auto log = open_log(dir.path(), small_segments());
  // Timestamps 0, 10, 20, ... one record per offset, across many segments.
  for (int i = 0; i < 200; ++i)
    append(*log, make_batch(1, "t" + std::to_string(i), i * 10));
  REQUIRE(log->segment_count() > 3);
  CHECK(log->offset_for_timestamp(0).value() == 0);
  CHECK(log->offset_for_timestamp(-5).value() == 0);
  CHECK(log->offset_for_timestamp(10).value() == 1);
  CHECK(log->offset_for_timestamp(11).value() == 2);
  CHECK(log->offset_for_timestamp(1505).value() == 151);
  CHECK(log->offset_for_timestamp(1990).value() == 199);
  CHECK_FALSE(log->offset_for_timestamp(1991).value().has_value());

  SECTION("within a batch, by record timestamp") {
    std::string batch = cairn::testing::make_batch(
        {{"x", "1", 5000}, {"y", "2", 5003}, {"z", "3", 5001}, {"w", "4", 5009}});
    append(*log, batch);
    CHECK(log->offset_for_timestamp(5002).value() == 201);
    CHECK(log->offset_for_timestamp(5004).value() == 203);
  }
  SECTION("within a compressed batch, by record timestamp") {
    const std::string value(100, 'v');
    std::string batch = cairn::testing::make_batch(
        {{"x", value, 5000}, {"y", value, 5003}, {"z", value, 5001}, {"w", value, 5009}},
        compression_codec::lz4);
    REQUIRE(record_batch_view::parse(batch).value().compression() == compression_codec::lz4);
    append(*log, batch);
    CHECK(log->offset_for_timestamp(5002).value() == 201);
    CHECK(log->offset_for_timestamp(5004).value() == 203);
  }
}

TEST_CASE("truncate removes the batch holding the offset and everything after", "[log]") {
  temp_dir dir;
  auto log = open_log(dir.path(), small_segments());
  for (int i = 0; i < 100; ++i)
    append(*log, make_batch(2, "k" + std::to_string(i), 1000 + i));
  auto segments_before = log->segment_count();

  auto end = log->truncate(101);  // inside the batch [100, 101]
  REQUIRE(end);
  CHECK(end.value() == 100);
  CHECK(log->end_offset() == 100);
  CHECK(log->segment_count() <= segments_before + 1);
  CHECK(log->flushed_offset() <= 100);
  CHECK(read_all(*log).size() == 100);
  append(*log, make_batch(1, "new", 9999));
  CHECK(log->end_offset() == 101);

  REQUIRE(log->close());
  log.reset();
  auto reopened = open_log(dir.path(), small_segments());
  auto records = read_all(*reopened);
  REQUIRE(records.size() == 101);
  CHECK(records.back().second == "new-0");
  CHECK(reopened->truncate(0).value() == 0);
  CHECK(reopened->end_offset() == 0);
  CHECK(read_all(*reopened).empty());
}

TEST_CASE("scan visits validated batches from an offset", "[log]") {
  temp_dir dir;
  auto log = open_log(dir.path(), small_segments());
  for (int i = 0; i < 50; ++i)
    append(*log, make_batch(4, "s" + std::to_string(i), i));
  std::vector<std::int64_t> bases;
  REQUIRE(log->scan(101, [&](const record_batch_view& b) -> cairn::result<void> {
    bases.push_back(b.base_offset());
    return cairn::success();
  }));
  REQUIRE(bases.size() == 25);
  CHECK(bases.front() == 100);
  CHECK(bases.back() == 196);
}

TEST_CASE("flush policy parses its three forms and nothing else", "[log][flush]") {
  CHECK(flush_policy::parse("always").value() == flush_policy::always());
  CHECK(flush_policy::parse("never").value() == flush_policy::never());
  CHECK(flush_policy::parse("interval:250").value() == flush_policy::every(250));
  for (const char* bad :
       {"", "sometimes", "interval:", "interval:0", "interval:-5", "interval:12ms", "ALWAYS"}) {
    CHECK_FALSE(flush_policy::parse(bad));
  }
  CHECK(flush_policy::every(250).to_string() == "interval:250");
}

TEST_CASE("flush_to makes appends durable and skips work already done", "[log][flush]") {
  temp_dir dir;
  log_options options;
  options.flush = flush_policy::always();
  auto log = open_log(dir.path(), options);
  auto a = append(*log, make_batch(2, "a", 1));
  CHECK(log->flushed_offset() == 0);
  REQUIRE(log->flush_per_policy(a.last_offset + 1));
  CHECK(log->flushed_offset() == 2);
  auto syncs = log->fdatasync_count();
  REQUIRE(log->flush_to(2));
  CHECK(log->fdatasync_count() == syncs);
}

TEST_CASE("interval flush syncs only when the interval has passed", "[log][flush]") {
  temp_dir dir;
  std::int64_t now = 0;
  log_options options;
  options.flush = flush_policy::every(100);
  options.clock_ms = [&now] { return now; };
  auto log = open_log(dir.path(), options);
  append(*log, make_batch(1, "a", 1));
  REQUIRE(log->flush_per_policy(1));
  CHECK(log->flushed_offset() == 0);
  now = 100;
  REQUIRE(log->flush_per_policy(1));
  CHECK(log->flushed_offset() == 1);
}

TEST_CASE("group commit: concurrent writers all become durable through shared syncs",
          "[log][flush]") {
  temp_dir dir;
  log_options options;
  options.flush = flush_policy::always();
  auto log = open_log(dir.path(), options);
  std::mutex writer;  // appends are serialised, as the broker does per partition
  constexpr int kThreads = 8;
  constexpr int kAppendsEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsEach; ++i) {
        std::string batch = make_batch(1, "t" + std::to_string(t), i);
        std::int64_t end = 0;
        {
          std::lock_guard lock(writer);
          auto appended = log->append(batch);
          if (!appended) {
            ++failures;
            return;
          }
          end = appended.value().last_offset + 1;
        }
        if (!log->flush_per_policy(end) || log->flushed_offset() < end) ++failures;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  CHECK(failures == 0);
  CHECK(log->flushed_offset() == kThreads * kAppendsEach);
  CHECK(log->fdatasync_count() <= kThreads * kAppendsEach);
}

TEST_CASE("readers run beside the writer, rolls and background seals", "[log][threads]") {
  temp_dir dir;
  log_options options = small_segments(1024);
  options.flush = flush_policy::always();
  auto log = open_log(dir.path(), options);
  constexpr int kBatches = 400;
  std::atomic<bool> done{false};
  std::atomic<int> reader_errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      // Bounded: the writer finishes after kBatches appends, then one last pass runs.
      while (!done.load()) {
        std::int64_t end = log->end_offset();
        auto chunk = log->read(end / 2, 4096);
        if (!chunk || !chunk.value().range.read()) ++reader_errors;
        if (!log->offset_for_timestamp(end / 2)) ++reader_errors;
        std::int64_t seen = 0;
        auto scanned = log->scan(0, [&](const record_batch_view& b) -> cairn::result<void> {
          if (b.base_offset() != seen) return errc::offset_not_monotonic;
          seen = b.next_offset();
          return cairn::success();
        });
        if (!scanned || seen < end) ++reader_errors;
      }
    });
  }
  for (int i = 0; i < kBatches; ++i) {
    auto appended = append(*log, make_batch(1, "w" + std::to_string(i), i));
    REQUIRE(log->flush_per_policy(appended.last_offset + 1));
  }
  done = true;
  for (auto& t : readers)
    t.join();
  CHECK(reader_errors == 0);
  CHECK(log->flushed_offset() == kBatches);
  CHECK(log->segment_count() > 10);
}

TEST_CASE("a log directory has one owner at a time", "[log]") {
  temp_dir dir;
  auto first = open_log(dir.path());
  auto second = partition_log::open(dir.path(), {});
  REQUIRE_FALSE(second);
  CHECK(second.error() == errc::log_locked);
  first.reset();
  CHECK(partition_log::open(dir.path(), {}));
}

TEST_CASE("read_stored reads the batches stored below a start moved inside a segment", "[log]") {
  temp_dir dir;
  auto log = open_log(dir.path());
  for (int i = 0; i < 4; ++i)
    append(*log, make_batch(3, "b" + std::to_string(i), 1000));  // [0, 2] .. [9, 11]
  REQUIRE(log->advance_start(7).value() == 7);
  CHECK(log->start_offset() == 7);
  CHECK(log->stored_start_offset() == 0);  // one segment: nothing went
  // Readers start at 7 (and get the batch holding it whole); the log's owner reads from 0.
  CHECK(log->read(6, 1 << 20).error() == errc::offset_out_of_range);
  auto stored = log->read_stored(0, 1 << 20);
  REQUIRE(stored);
  CHECK(stored.value().next_offset == 12);
  CHECK(log->read_stored(3, 1).value().next_offset == 6);
  auto header = log->header_at(3);
  REQUIRE(header);
  REQUIRE(header.value().has_value());
  CHECK(header.value()->base_offset == 3);
  CHECK(log->read_stored(13, 1).error() == errc::offset_out_of_range);
}
