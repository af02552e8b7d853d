// partition_raft_log on a real partition directory, driven by hand (no node).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "broker/raftlog/errc.h"
#include "eventstore/errc.h"
#include "eventstore/log/file.h"
#include "eventstore/record/control_batch.h"
#include "tests/raftlog/fixture.h"
#include "tests/support/temp_dir.h"

using namespace cairn;
using namespace cairn::testing;
using raft::entry;
using raft::entry_kind;
using raft::log_offset;
using raft::term_id;

namespace {

entry control(entry_kind kind, log_offset at, term_id term, raft::configuration c = {}) {
  return entry{.base_offset = at, .last_offset = at, .term = term, .kind = kind, .config = c};
}

// Appends through partition::append (validation, producer state) and the direct replicator.
broker::produce_result produce(replica_storage& s, direct_replicator& r, std::string batch) {
  s.partition->set_replicator(&r);
  auto produced = s.partition->append(batch);
  REQUIRE(produced);
  return produced.value();
}

}  // namespace

TEST_CASE("raft log: append, term_at, batch_at, read and config round trip", "[raftlog]") {
  temp_dir dir;
  auto s = replica_storage::open(dir / "p", config_of({1}));
  raftlog::partition_raft_log& log = *s.log;
  CHECK(log.start_offset() == log_offset{0});
  CHECK(log.end_offset() == log_offset{0});
  CHECK(log.term_at(log_offset{-1}) == term_id{0});
  CHECK(log.config() == config_of({1}));
  CHECK(log.config_offset() == log_offset{-1});

  direct_replicator r(log, term_id{1});
  log.append(control(entry_kind::noop, log_offset{0}, term_id{1}));
  auto first = produce(s, r, producer_batch(7, 0, 3));
  CHECK(first.base_offset == 1);
  CHECK(first.last_offset == 3);
  log.append(control(entry_kind::noop, log_offset{4}, term_id{2}));
  log.append(control(entry_kind::config, log_offset{5}, term_id{2}, config_of({1, 2})));
  r.set_term(term_id{2});
  produce(s, r, producer_batch(7, 3, 2));

  CHECK(log.end_offset() == log_offset{8});
  CHECK(log.term_at(log_offset{0}) == term_id{1});
  CHECK(log.term_at(log_offset{3}) == term_id{1});
  CHECK(log.term_at(log_offset{4}) == term_id{2});
  CHECK(log.term_at(log_offset{7}) == term_id{2});
  raft::batch_info b = log.batch_at(log_offset{2});
  CHECK(b.base_offset == log_offset{1});
  CHECK(b.last_offset == log_offset{3});
  CHECK(b.term == term_id{1});
  CHECK(log.config_at(log_offset{5}) == config_of({1}));
  CHECK(log.config_at(log_offset{6}) == config_of({1, 2}));
  CHECK(log.config() == config_of({1, 2}));
  CHECK(log.config_offset() == log_offset{5});

  std::vector<entry> entries = log.read(log_offset{0}, 100);
  REQUIRE(entries.size() == 5);
  CHECK(entries[0].kind == entry_kind::noop);
  CHECK(entries[1].kind == entry_kind::data);
  CHECK(entries[3].kind == entry_kind::config);
  CHECK(entries[3].config == config_of({1, 2}));
  CHECK(entries[4].base_offset == log_offset{6});
  CHECK(log.read(log_offset{4}, 2).size() == 2);
  for (const entry& e : entries) {
    auto view = eventstore::record_batch_view::parse(e.records);
    REQUIRE(view);
    CHECK(view.value().base_offset() == e.base_offset.value());
    CHECK(view.value().header().partition_leader_epoch == e.term.value());
    CHECK(eventstore::is_control_batch(view.value().header()) == (e.kind != entry_kind::data));
    CHECK(raftlog::partition_raft_log::check_entry(e, eventstore::kBatchBytesMaxDefault));
  }

  SECTION("a follower appending the leader's entries holds the same bytes and state") {
    auto f = replica_storage::open(dir / "follower", config_of({1}));
    for (const entry& e : entries)
      f.log->append(e);
    CHECK(f.log->read(log_offset{0}, 100) == entries);
    CHECK(f.log->state() == log.state());
    CHECK(f.partition->producer_state() == s.partition->producer_state());
    CHECK(f.partition->producer_state() == rebuilt_producer_state(*f.partition));
  }
  SECTION("check_entry refuses entries whose bytes disagree") {
    entry bad = entries[1];
    bad.term = term_id{3};
    CHECK_FALSE(raftlog::partition_raft_log::check_entry(bad, eventstore::kBatchBytesMaxDefault));
    bad = entries[1];
    bad.last_offset = log_offset{2};
    CHECK_FALSE(raftlog::partition_raft_log::check_entry(bad, eventstore::kBatchBytesMaxDefault));
    bad = entries[0];
    bad.kind = entry_kind::data;
    CHECK_FALSE(raftlog::partition_raft_log::check_entry(bad, eventstore::kBatchBytesMaxDefault));
    bad = entries[3];
    bad.config = config_of({1, 3});
    CHECK_FALSE(raftlog::partition_raft_log::check_entry(bad, eventstore::kBatchBytesMaxDefault));
    bad = entries[1];
    bad.records[bad.records.size() - 1] ^= 1;  // inside the CRC
    CHECK_FALSE(raftlog::partition_raft_log::check_entry(bad, eventstore::kBatchBytesMaxDefault));
  }
  SECTION("a client may not write a control batch into a replicated partition") {
    std::string forged = eventstore::build_control_batch({}, {});
    CHECK(s.partition->append(forged).error() == eventstore::errc::invalid_argument);
  }
}

TEST_CASE("raft log: truncation rolls back producer state, stream index, epochs and configs",
          "[raftlog]") {
  temp_dir dir;
  auto s = replica_storage::open(dir / "p", config_of({1}));
  raftlog::partition_raft_log& log = *s.log;
  direct_replicator r(log, term_id{1});
  s.partition->set_replicator(&r);
  log.append(control(entry_kind::noop, log_offset{0}, term_id{1}));
  produce(s, r, producer_batch(7, 0, 2));  // [1, 2]
  auto v0 = s.partition->stream_append("acct", eventstore::expected_version::no_stream,
                                       stream_events("acct", 1));
  REQUIRE(v0);
  REQUIRE_FALSE(v0.value().conflict);
  const std::int64_t cut = log.end_offset().value();  // the divergent suffix starts here
  r.set_term(term_id{2});
  log.append(control(entry_kind::noop, log_offset{cut}, term_id{2}));
  log.append(control(entry_kind::config, log_offset{cut + 1}, term_id{2}, config_of({1, 2})));
  auto retried = produce(s, r, producer_batch(7, 2, 1));
  CHECK_FALSE(retried.duplicate);
  auto v1 = s.partition->stream_append(
      "acct", eventstore::expected_version::exact(stream_version{0}), stream_events("acct", 2));
  REQUIRE(v1);
  REQUIRE_FALSE(v1.value().conflict);
  // Before the truncation both are known: a retry is a duplicate, version 2 is current.
  CHECK(produce(s, r, producer_batch(7, 2, 1)).duplicate);

  log.truncate(log_offset{cut});
  CHECK(log.end_offset() == log_offset{cut});
  CHECK(log.term_at(log_offset{cut - 1}) == term_id{1});
  CHECK(log.config() == config_of({1}));
  CHECK(log.config_offset() == log_offset{-1});
  CHECK(s.partition->producer_state() == rebuilt_producer_state(*s.partition));
  auto index = s.partition->stream_index_dump();
  REQUIRE(index);
  REQUIRE(index.value().has_value());
  CHECK(*index.value() == rebuilt_stream_index(*s.partition, dir / "check-index"));

  // The truncated batch is not a duplicate any more: it is appended again, at the new end.
  r.set_term(term_id{3});
  auto again = produce(s, r, producer_batch(7, 2, 1));
  CHECK_FALSE(again.duplicate);
  CHECK(again.base_offset == cut);
  // The stream is back at version 0: expecting 2 conflicts, expecting 0 succeeds.
  auto stale = s.partition->stream_append(
      "acct", eventstore::expected_version::exact(stream_version{2}), stream_events("acct", 1));
  REQUIRE(stale);
  CHECK(stale.value().conflict);
  auto fresh = s.partition->stream_append(
      "acct", eventstore::expected_version::exact(stream_version{0}), stream_events("acct", 1));
  REQUIRE(fresh);
  CHECK_FALSE(fresh.value().conflict);
  CHECK(fresh.value().first_version == stream_version{1});
  CHECK(log.term_at(log_offset{cut}) == term_id{3});
}

TEST_CASE("raft log: reset starts an empty log at the leader's start", "[raftlog]") {
  temp_dir dir;
  {
    auto s = replica_storage::open(dir / "p", config_of({1}));
    direct_replicator r(*s.log, term_id{1});
    s.log->append(control(entry_kind::noop, log_offset{0}, term_id{1}));
    produce(s, r, producer_batch(7, 0, 2));
    REQUIRE(s.partition->stream_append("acct", eventstore::expected_version::any,
                                       stream_events("acct", 1)));
    s.log->reset(log_offset{100}, term_id{5}, config_of({1, 2, 3}));
    CHECK(s.log->start_offset() == log_offset{100});
    CHECK(s.log->end_offset() == log_offset{100});
    CHECK(s.log->term_at(log_offset{99}) == term_id{5});
    CHECK(s.log->config() == config_of({1, 2, 3}));
    CHECK(s.log->config_offset() == log_offset{99});
    CHECK(s.partition->high_watermark() == 100);
    CHECK(s.partition->producer_state().size() == 0);
    auto index = s.partition->stream_index_dump();
    REQUIRE(index);
    REQUIRE(index.value().has_value());
    CHECK(index.value()->streams.empty());
    r.set_term(term_id{6});
    s.log->append(control(entry_kind::noop, log_offset{100}, term_id{6}));
    produce(s, r, producer_batch(7, 0, 1));  // the producer starts afresh: sequence 0
  }
  // Durable: a restart finds the same log and state.
  auto s = replica_storage::open(dir / "p");
  CHECK(s.log->start_offset() == log_offset{100});
  CHECK(s.log->end_offset() == log_offset{102});
  CHECK(s.log->term_at(log_offset{99}) == term_id{5});
  CHECK(s.log->term_at(log_offset{100}) == term_id{6});
  CHECK(s.log->config() == config_of({1, 2, 3}));
}

TEST_CASE("raft log: a restart recovers hard state, epochs and configs", "[raftlog]") {
  temp_dir dir;
  raftlog::log_state before;
  {
    auto s = replica_storage::open(dir / "p", config_of({1}));
    direct_replicator r(*s.log, term_id{1});
    s.log->save_hard_state({term_id{4}, raft::node_id{1}});
    s.log->append(control(entry_kind::noop, log_offset{0}, term_id{1}));
    produce(s, r, producer_batch(7, 0, 2));
    s.log->append(control(entry_kind::config, log_offset{3}, term_id{1}, config_of({1, 2})));
    r.set_term(term_id{4});
    s.log->append(control(entry_kind::noop, log_offset{4}, term_id{4}));
    produce(s, r, producer_batch(7, 2, 2));
    REQUIRE(s.partition->flush_to(s.log->end_offset().value()));
    before = s.log->state();
  }
  {
    auto s = replica_storage::open(dir / "p");
    CHECK(s.log->hard_state() == raft::hard_state{term_id{4}, raft::node_id{1}});
    CHECK(s.log->state() == before);
    CHECK(s.log->config() == config_of({1, 2}));
    CHECK(s.partition->high_watermark() == 0);  // the driver moves it once it knows the commit
    // A retry of the last batch is still a duplicate after the restart.
    direct_replicator r(*s.log, term_id{4});
    CHECK(produce(s, r, producer_batch(7, 2, 2)).duplicate);
  }
  SECTION("a missing log state is rebuilt from the batch headers") {
    std::filesystem::remove(dir / "p/raft-log-state");
    auto s = replica_storage::open(dir / "p", config_of({1}));
    CHECK(s.log->state() == before);
  }
  SECTION("a log state that ran ahead of the log (a lost tail) is trimmed") {
    raftlog::log_state ahead = before;
    ahead.note_batch(term_id{9}, log_offset{50});
    ahead.note_config(log_offset{51}, config_of({1, 2, 3}));
    REQUIRE(eventstore::write_file_atomically(dir / "p/raft-log-state", ahead.encode()));
    auto s = replica_storage::open(dir / "p");
    CHECK(s.log->state() == before);
  }
  SECTION("corrupt state files fail the open with a clear error") {
    auto corrupt = [&](const std::string& name) {
      std::string path = dir / ("p/" + name);
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(6);
      f.put('\x7f');
    };
    SECTION("hard state") {
      corrupt("raft-hard-state");
    }
    SECTION("log state") {
      corrupt("raft-log-state");
    }
    auto p = broker::partition::open(dir / "p", replicated_options());
    REQUIRE(p);
    auto opened = raftlog::partition_raft_log::open(*p.value());
    REQUIRE_FALSE(opened);
    CHECK(opened.error() == raftlog::errc::state_file_corrupt);
  }
}

TEST_CASE("raft log: an interrupted reset is finished at open", "[raftlog]") {
  temp_dir dir;
  {
    auto s = replica_storage::open(dir / "p", config_of({1}));
    direct_replicator r(*s.log, term_id{1});
    s.log->append(control(entry_kind::noop, log_offset{0}, term_id{1}));
    produce(s, r, producer_batch(7, 0, 2));
  }
  // What reset() writes first, as if the process died before the log was replaced.
  raftlog::log_state reset_to(log_offset{40}, term_id{3}, config_of({1, 2}));
  REQUIRE(eventstore::write_file_atomically(dir / "p/raft-log-state", reset_to.encode()));
  auto s = replica_storage::open(dir / "p");
  CHECK(s.log->start_offset() == log_offset{40});
  CHECK(s.log->end_offset() == log_offset{40});
  CHECK(s.log->term_at(log_offset{39}) == term_id{3});
  CHECK(s.log->config() == config_of({1, 2}));
}

TEST_CASE("raft log: retention stays below the high watermark and keeps the base", "[raftlog]") {
  temp_dir dir;
  auto opts = replicated_options(/*segment_bytes_max=*/600);
  raftlog::log_state before;
  {
    auto s = replica_storage::open(dir / "p", config_of({1}), opts);
    direct_replicator r(*s.log, term_id{1});
    s.log->append(control(entry_kind::noop, log_offset{0}, term_id{1}));
    s.log->append(control(entry_kind::config, log_offset{1}, term_id{1}, config_of({1, 2})));
    for (int i = 0; i < 10; ++i)
      produce(s, r, producer_batch(-1, -1, 3, "first-term"));
    r.set_term(term_id{2});
    s.log->append(control(entry_kind::noop, s.log->end_offset(), term_id{2}));
    for (int i = 0; i < 10; ++i)
      produce(s, r, producer_batch(-1, -1, 3, "second-term"));
    REQUIRE(s.partition->log().segment_count() > 4);
    // Nothing committed: retention may delete nothing.
    auto none = s.log->apply_retention({.retention_bytes = 0});
    REQUIRE(none);
    CHECK(none.value() == 0);
    const std::int64_t hw = 40;
    s.partition->set_high_watermark(hw);
    auto deleted = s.log->apply_retention({.retention_bytes = 0});
    REQUIRE(deleted);
    CHECK(deleted.value() > 0);
    const log_offset start = s.log->start_offset();
    CHECK(start.value() > 2);
    CHECK(start.value() <= hw);
    CHECK(s.log->term_at(start - 1) == term_id{start.value() - 1 >= 32 ? 2 : 1});
    CHECK(s.log->config() == config_of({1, 2}));
    CHECK(s.log->config_at(start) == config_of({1, 2}));
    before = s.log->state();
  }
  auto s = replica_storage::open(dir / "p", {}, opts);
  CHECK(s.log->state() == before);
  CHECK(s.log->config() == config_of({1, 2}));
}

TEST_CASE(
    "raft log: DeleteRecords moves the partition's start and the Raft start by whole segments",
    "[raftlog]") {
  temp_dir dir;
  auto opts = replicated_options(/*segment_bytes_max=*/600);
  raftlog::log_state before;
  log_offset raft_start{0};
  {
    auto s = replica_storage::open(dir / "p", config_of({1}), opts);
    direct_replicator r(*s.log, term_id{1});
    s.log->append(control(entry_kind::noop, log_offset{0}, term_id{1}));
    for (int i = 0; i < 20; ++i)
      produce(s, r, producer_batch(-1, -1, 3, "first-term"));  // [1, 3], [4, 6] ... [58, 60]
    REQUIRE(s.partition->log().segment_count() > 4);
    // Only committed records go: nothing is committed yet.
    auto uncommitted = s.log->advance_log_start(5);
    REQUIRE_FALSE(uncommitted);
    CHECK(uncommitted.error() == eventstore::errc::offset_out_of_range);
    s.partition->set_high_watermark(40);
    CHECK(s.log->advance_log_start(41).error() == eventstore::errc::offset_out_of_range);
    CHECK(s.log->advance_log_start(-1).error() == eventstore::errc::offset_out_of_range);

    // Inside the batch [35, 37]: readers start there, the Raft log at a batch boundary below.
    auto moved = s.log->advance_log_start(36);
    REQUIRE(moved);
    CHECK(moved.value() == 36);
    CHECK(s.partition->log_start_offset() == 36);
    raft_start = s.log->start_offset();
    CHECK(raft_start.value() > 1);  // whole segments below it went
    CHECK(raft_start.value() <= 35);
    CHECK(s.log->batch_at(raft_start).base_offset == raft_start);
    // The Raft log still reads, and sends, the batches below the partition's start.
    auto entries = s.log->read(raft_start, 100);
    REQUIRE_FALSE(entries.empty());
    CHECK(entries.front().base_offset == raft_start);
    CHECK(entries.back().last_offset == log_offset{60});
    CHECK(s.log->term_at(raft_start - 1) == term_id{1});
    // Readers do not.
    CHECK(s.partition->fetch(35, 1 << 20).error() == eventstore::errc::offset_out_of_range);
    auto from = s.partition->fetch(36, 1 << 20);
    REQUIRE(from);
    CHECK(from.value().log_start_offset == 36);
    // Never back.
    CHECK(s.log->advance_log_start(20).value() == 36);
    before = s.log->state();
  }
  // A restart recovers both starts and the base.
  auto s = replica_storage::open(dir / "p", {}, opts);
  CHECK(s.partition->log_start_offset() == 36);
  CHECK(s.log->start_offset() == raft_start);
  CHECK(s.log->state() == before);
  CHECK(s.partition->high_watermark() == 36);  // a replica's high watermark restarts at its start
}
