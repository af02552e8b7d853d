// Three raft::nodes on three real partition directories, messages delivered by hand: the Raft
// log on the partition under elections, a divergent uncommitted suffix, crashes and restarts.
#include <array>
#include <catch2/catch.hpp>
#include <set>

#include "eventstore/errc.h"
#include "tests/raftlog/fixture.h"
#include "tests/support/temp_dir.h"

using namespace cairn;
using namespace cairn::testing;
using raft::log_offset;
using raft::node_id;

namespace {

struct replica {
  int id = 0;
  std::string dir;
  replica_storage storage;
  std::unique_ptr<raft::node> node;
  raft::node* node_ptr = nullptr;
  node_replicator replicator{node_ptr};
  std::int64_t commit_end = 0;

  broker::partition::options options = replicated_options();

  void open(const raft::configuration& bootstrap) {
    storage = replica_storage::open(dir, bootstrap, options);
    raft::options opts;
    opts.id = node_id{id};
    opts.rng_seed = static_cast<std::uint64_t>(id) * 7919;
    node = std::make_unique<raft::node>(opts, *storage.log, storage.log->hard_state());
    node_ptr = node.get();
    storage.partition->set_replicator(&replicator);
    commit_end = storage.partition->high_watermark();
  }
  // Destroyed without close(): like a kill. Everything was flushed by the loop below, and the
  // page cache outlives the "process", so nothing is lost; the reopen runs recovery.
  void crash() {
    node.reset();
    node_ptr = nullptr;
    storage.log.reset();
    storage.partition.reset();
  }
  bool up() const { return node != nullptr; }
  broker::partition& partition() { return *storage.partition; }
};

class cluster {
 public:
  explicit cluster(const temp_dir& dir, broker::partition::options options = replicated_options()) {
    for (int id = 1; id <= 3; ++id) {
      replicas_[id - 1].id = id;
      replicas_[id - 1].dir = dir / ("p" + std::to_string(id));
      replicas_[id - 1].options = options;
      replicas_[id - 1].open(config_of({1, 2, 3}));
    }
  }

  replica& at(int id) { return replicas_[id - 1]; }
  std::set<int> isolated;

  // One tick of every live node, then messages until the network is quiet; each replica
  // flushes its log and reports it, and moves its high watermark to its commit end.
  void round() {
    for (replica& r : replicas_) {
      if (r.up()) r.node->tick();
    }
    for (int pass = 0; pass < 50; ++pass) {
      std::vector<raft::message> inflight;
      for (replica& r : replicas_) {
        if (!r.up()) continue;
        const std::int64_t end = r.storage.log->end_offset().value();
        REQUIRE(r.partition().flush_to(end));
        r.node->flushed(log_offset{end});
        raft::ready ready = r.node->take_ready();
        if (ready.commit_end.value() > r.commit_end) {
          r.commit_end = ready.commit_end.value();
          r.partition().set_high_watermark(r.commit_end);
        }
        for (raft::message& m : ready.messages) {
          if (isolated.count(m.from.value()) || isolated.count(m.to.value())) continue;
          inflight.push_back(std::move(m));
        }
      }
      if (inflight.empty()) return;
      for (const raft::message& m : inflight) {
        replica& to = at(m.to.value());
        if (to.up()) to.node->step(m);
      }
    }
  }

  template <class Pred>
  void run_until(Pred done, int rounds_max = 500) {
    for (int i = 0; i < rounds_max && !done(); ++i)
      round();
    REQUIRE(done());
  }

  // The leader among the connected live replicas, or 0.
  int leader() {
    for (replica& r : replicas_) {
      if (r.up() && !isolated.count(r.id) && r.node->current_role() == raft::role::leader) {
        return r.id;
      }
    }
    return 0;
  }

  int elect() {
    run_until([&] { return leader() != 0; });
    return leader();
  }

  // Every replica (live, connected) has the leader's end and commit end.
  bool converged() {
    int l = leader();
    if (l == 0) return false;
    const std::int64_t end = at(l).storage.log->end_offset().value();
    for (replica& r : replicas_) {
      if (!r.up() || isolated.count(r.id)) continue;
      if (r.storage.log->end_offset().value() != end || r.commit_end != end) return false;
    }
    return true;
  }

  std::array<replica, 3> replicas_;
};

broker::produce_result produce(replica& r, std::string batch) {
  auto produced = r.partition().append(batch);
  REQUIRE(produced);
  return produced.value();
}

std::vector<raft::entry> committed_entries(replica& r) {
  std::vector<raft::entry> out = r.storage.log->read(r.storage.log->start_offset(), 1 << 20);
  while (!out.empty() && out.back().end_offset().value() > r.commit_end)
    out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("three replicas on real partitions: elections, divergence, crashes", "[raftlog]") {
  temp_dir dir;
  cluster c(dir);
  const int first = c.elect();
  replica& l1 = c.at(first);

  // Committed history: idempotent producers and a stream.
  for (int i = 0; i < 4; ++i)
    produce(l1, producer_batch(100, i * 2, 2));
  auto v = l1.partition().stream_append("acct", eventstore::expected_version::no_stream,
                                        stream_events("acct", 3));
  REQUIRE(v);
  REQUIRE_FALSE(v.value().conflict);
  c.run_until([&] { return c.converged(); });
  const std::int64_t committed_before = l1.commit_end;

  // The leader is cut off and takes writes it cannot commit: a divergent suffix.
  c.isolated.insert(first);
  produce(l1, producer_batch(200, 0, 3, "lost"));
  auto lost = l1.partition().stream_append(
      "acct", eventstore::expected_version::exact(stream_version{2}), stream_events("acct", 1));
  REQUIRE(lost);
  REQUIRE_FALSE(lost.value().conflict);
  const std::int64_t divergent_end = l1.storage.log->end_offset().value();
  CHECK(l1.commit_end == committed_before);

  // The other two elect a leader, which commits its own writes.
  const int second = c.elect();
  REQUIRE(second != first);
  replica& l2 = c.at(second);
  produce(l2, producer_batch(100, 8, 2));
  auto won = l2.partition().stream_append(
      "acct", eventstore::expected_version::exact(stream_version{2}), stream_events("acct", 2));
  REQUIRE(won);
  REQUIRE_FALSE(won.value().conflict);
  c.run_until([&] { return c.converged(); });
  CHECK(l2.commit_end > committed_before);

  // The third replica crashes and restarts from its directory.
  const int third = 6 - first - second;
  c.at(third).crash();
  c.at(third).open({});
  c.run_until([&] { return c.converged(); });

  // The old leader returns: it truncates its divergent suffix and catches up.
  c.isolated.clear();
  c.run_until([&] {
    return c.converged() && c.at(first).storage.log->end_offset() == l2.storage.log->end_offset();
  });
  CHECK(c.at(first).node->current_role() == raft::role::follower);
  CHECK(c.at(first).commit_end > divergent_end - 1);

  // The lost producer batch was never committed: producing it now is not a duplicate.
  const int leader = c.leader();
  CHECK_FALSE(produce(c.at(leader), producer_batch(200, 0, 3, "again")).duplicate);
  // The lost stream append never happened: version 4 is next (the winner wrote 3 and 4).
  auto next = c.at(leader).partition().stream_append(
      "acct", eventstore::expected_version::exact(stream_version{4}), stream_events("acct", 1));
  REQUIRE(next);
  CHECK_FALSE(next.value().conflict);

  // The leader crashes and restarts; a leader is elected again and everything converges.
  c.at(leader).crash();
  c.at(leader).open({});
  c.elect();
  produce(c.at(c.leader()), producer_batch(300, 0, 1));
  c.run_until([&] { return c.converged(); });

  // Every replica holds the same bytes up to the commit end, and derived state that equals a
  // rebuild from its own log.
  const std::vector<raft::entry> reference = committed_entries(c.at(1));
  CHECK(reference.back().end_offset().value() == c.at(1).commit_end);
  for (int id = 1; id <= 3; ++id) {
    replica& r = c.at(id);
    INFO("replica " << id);
    CHECK(committed_entries(r) == reference);
    CHECK(r.partition().producer_state() == rebuilt_producer_state(r.partition()));
    CHECK(r.partition().producer_state() == c.at(1).partition().producer_state());
    auto index = r.partition().stream_index_dump();
    REQUIRE(index);
    REQUIRE(index.value().has_value());
    CHECK(*index.value() ==
          rebuilt_stream_index(r.partition(), dir / ("check-" + std::to_string(id))));
    CHECK(r.storage.log->state() == c.at(1).storage.log->state());
  }
}

TEST_CASE("three replicas: DeleteRecords inside a batch then a follower installed", "[raftlog]") {
  temp_dir dir;
  cluster c(dir, replicated_options(/*segment_bytes_max=*/600));
  const int first = c.elect();
  replica& leader = c.at(first);
  const int down = first == 1 ? 2 : 1;
  c.at(down).crash();
  for (int i = 0; i < 20; ++i)
    produce(leader, producer_batch(-1, -1, 3, "r"));
  c.run_until([&] { return c.converged(); });
  REQUIRE(leader.commit_end > 40);

  // DeleteRecords inside a batch on the leader (as cluster_node does on its I/O thread): whole
  // segments below go, the Raft log starts at a batch boundary at or below the new start.
  const std::int64_t cut = 41;  // batches of 3 after the no-op at 0: [40, 42] holds it
  auto holding = leader.storage.log->batch_at(log_offset{cut});
  REQUIRE(holding.base_offset < log_offset{cut});
  REQUIRE(leader.storage.log->advance_log_start(cut));
  const log_offset raft_start = leader.storage.log->start_offset();
  CHECK(raft_start > log_offset{1});
  CHECK(raft_start <= holding.base_offset);

  // The follower that was down is behind the leader's Raft start: it is installed there, then
  // sent the batches from it, those below the partition's start included.
  c.at(down).open({});
  c.run_until([&] { return c.converged(); });
  replica& installed = c.at(down);
  CHECK(installed.storage.log->start_offset() == raft_start);
  CHECK(installed.partition().log_start_offset() == raft_start.value());
  const auto reference = leader.storage.log->read(raft_start, 1 << 20);
  CHECK(installed.storage.log->read(raft_start, 1 << 20) == reference);
  // Its driver follows the leader's start within its commit end; a restart keeps it.
  REQUIRE(installed.storage.log->advance_log_start(cut));
  CHECK(installed.partition().fetch(cut - 1, 1 << 20).error() ==
        eventstore::errc::offset_out_of_range);
  installed.crash();
  installed.open({});
  CHECK(installed.partition().log_start_offset() == cut);
  CHECK(installed.storage.log->start_offset() <= holding.base_offset);
  // The group goes on: a new batch commits everywhere, and the logs agree from the Raft start.
  produce(c.at(c.leader()), producer_batch(-1, -1, 2, "after"));
  c.run_until([&] { return c.converged(); });
  for (int id = 1; id <= 3; ++id) {
    replica& r = c.at(id);
    INFO("replica " << id);
    const auto from = std::max(r.storage.log->start_offset(), raft_start);
    CHECK(r.storage.log->read(from, 1 << 20) == leader.storage.log->read(from, 1 << 20));
  }
}
