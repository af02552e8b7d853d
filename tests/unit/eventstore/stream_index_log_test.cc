// The stream index over a real partition log: applied batch by batch as they are appended, and
// rebuilt from the log's segments, the two indexes must be identical; after a crash that loses
// the log's tail, catch_up must bring the index back in line with what the log still holds.
#include <catch2/catch.hpp>
#include <random>

#include "eventstore/errc.h"
#include "eventstore/log/partition_log.h"
#include "eventstore/stream/stream_index.h"
#include "tests/support/temp_dir.h"

using namespace cairn::eventstore;

namespace {

// Appends `events` stream events spread over `streams` keys, in batches of 1..20, applying each
// appended batch to `index` as the broker will.
void append_events(partition_log& log, stream_index& index, std::mt19937_64& prng, int events,
                   int streams, std::vector<std::int64_t>& next_version) {
  int written = 0;
  while (written < events) {
    int count = std::min(events - written, 1 + static_cast<int>(prng() % 20));
    record_batch_builder builder;
    std::vector<std::string> keys, versions;
    keys.reserve(static_cast<std::size_t>(count));
    versions.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      auto s = static_cast<std::size_t>(prng() % static_cast<std::uint64_t>(streams));
      keys.push_back("stream-" + std::to_string(s));
      versions.push_back(format_stream_version(cairn::stream_version{next_version[s]++}));
      header_view headers[] = {{kStreamVersionHeader, versions.back()}};
      // Every fourth record is a plain keyed record that the index must ignore.
      std::span<const header_view> with =
          i % 4 == 3 ? std::span<const header_view>{} : std::span<const header_view>(headers);
      if (i % 4 == 3) --next_version[s];
      builder.add({.key = keys.back(), .value = "payload", .headers = with, .timestamp_ms = i});
    }
    std::string batch = builder.finish();
    REQUIRE(log.append(batch));
    auto view = record_batch_view::parse(batch);
    REQUIRE(view);
    REQUIRE(index.apply(std::span<const record_batch_view>(&view.value(), 1)));
    written += count;
  }
}

batch_source source_of(const partition_log& log) {
  return [&log](std::int64_t from, const batch_visitor& visit) { return log.scan(from, visit); };
}

}  // namespace

TEST_CASE("a stream index rebuilt from the log equals the one applied incrementally",
          "[stream][log]") {
  cairn::testing::temp_dir dir;
  log_options options;
  options.segment_bytes_max = 8192;
  auto log = partition_log::open(dir / "log", options).value();
  auto incremental = stream_index::open(dir / "incremental").value();
  std::mt19937_64 prng(Catch::rngSeed());
  std::vector<std::int64_t> next_version(50, 0);
  append_events(*log, incremental, prng, 3000, 50, next_version);
  REQUIRE(log->segment_count() > 3);

  auto rebuilt = stream_index::open(dir / "rebuilt").value();
  REQUIRE(rebuilt.rebuild(source_of(*log)));
  auto a = incremental.dump();
  auto b = rebuilt.dump();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a.value().applied_offset == log->end_offset());
  CHECK(a.value() == b.value());

  // Every indexed offset points at the record of that stream and version in the log.
  auto entries =
      rebuilt.offsets("stream-7", cairn::stream_version{0}, cairn::stream_version{1000}, 1000);
  REQUIRE(entries);
  REQUIRE(static_cast<std::int64_t>(entries.value().size()) == next_version[7]);
  for (const stream_entry& e : entries.value()) {
    bool found = false;
    REQUIRE(log->scan(e.offset.value(),
                      [&](const record_batch_view& batch) -> cairn::result<void> {
                        for (const record_view& r : batch) {
                          if (batch.base_offset() + r.offset_delta != e.offset.value()) continue;
                          CHECK(r.key == "stream-7");
                          CHECK(r.header(kStreamVersionHeader) == format_stream_version(e.version));
                          found = true;
                        }
                        return found
                                   ? cairn::result<void>(cairn::eventstore::errc::invalid_argument)
                                   : cairn::success();  // stop
                      })
                .has_error());
    CHECK(found);
  }
}

TEST_CASE("catch_up rebuilds an index that is ahead of a log that lost its tail",
          "[stream][log][recovery]") {
  cairn::testing::temp_dir dir;
  auto log = partition_log::open(dir / "log", {}).value();
  auto index = stream_index::open(dir / "index").value();
  std::mt19937_64 prng(Catch::rngSeed());
  std::vector<std::int64_t> next_version(10, 0);
  append_events(*log, index, prng, 500, 10, next_version);

  // The log loses its tail (an unflushed tail lost in a power cut looks the same).
  auto end = log->truncate(log->end_offset() / 2);
  REQUIRE(end);
  REQUIRE(index.applied_offset().value() > end.value());
  REQUIRE(index.catch_up(source_of(*log), log->end_offset()));
  CHECK(index.applied_offset().value() == log->end_offset());

  auto expected = stream_index::open(dir / "expected").value();
  REQUIRE(expected.rebuild(source_of(*log)));
  CHECK(index.dump().value() == expected.dump().value());

  // And an index that lags simply applies what it missed.
  std::vector<std::int64_t> versions_after(10, 0);
  for (std::size_t s = 0; s < 10; ++s) {
    auto v = index.current_version("stream-" + std::to_string(s)).value();
    versions_after[s] = v ? v->value() + 1 : 0;
  }
  auto lagging = stream_index::open(dir / "lagging").value();
  REQUIRE(lagging.catch_up(source_of(*log), log->end_offset()));
  append_events(*log, index, prng, 200, 10, versions_after);
  REQUIRE(lagging.catch_up(source_of(*log), log->end_offset()));
  CHECK(lagging.dump().value() == index.dump().value());
}

namespace {

// Rewrites the index's restart bookkeeping as an earlier boot would have left it.
void pretend_written_in_another_boot(const std::filesystem::path& dir, std::string_view state) {
  auto env = cairn::lmdb::env::open(dir, {.max_dbs = 3, .flags = MDB_NOSYNC | MDB_WRITEMAP});
  REQUIRE(env);
  auto t = cairn::lmdb::txn::begin_write(env.value()).value();
  auto meta = t.open_dbi("meta", 0).value();
  REQUIRE(t.put(meta, "boot_id", "a-boot-before-this-one"));
  REQUIRE(t.put(meta, "state", state));
  REQUIRE(t.commit());
}

}  // namespace

TEST_CASE("an index dirty at a machine restart is emptied, a flushed one is kept",
          "[stream][recovery]") {
  cairn::testing::temp_dir dir;
  auto log = partition_log::open(dir / "log", {}).value();
  std::mt19937_64 prng(Catch::rngSeed());
  std::vector<std::int64_t> next_version(5, 0);
  {
    auto index = stream_index::open(dir / "index").value();
    append_events(*log, index, prng, 100, 5, next_version);
    REQUIRE(index.flush());
  }
  pretend_written_in_another_boot(dir / "index", "clean");
  {
    auto index = stream_index::open(dir / "index").value();
    CHECK(index.applied_offset().value() == log->end_offset());
  }
  pretend_written_in_another_boot(dir / "index", "dirty");
  auto index = stream_index::open(dir / "index").value();
  CHECK(index.applied_offset().value() == 0);
  REQUIRE(index.catch_up(source_of(*log), log->end_offset()));
  auto expected = stream_index::open(dir / "expected").value();
  REQUIRE(expected.rebuild(source_of(*log)));
  CHECK(index.dump().value() == expected.dump().value());
}
