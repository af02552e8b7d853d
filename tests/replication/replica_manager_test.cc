// The Raft driver on its own: three replica_managers on one io_context, each with one group over
// an in-memory log, wired by a loop that posts every message to its target (or drops it while
// the link is cut). Waits are on events (a leader elected, a commit reported), bounded by a
// deadline of io_context turns, never by sleeping.
#include "broker/replication/replica_manager.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "tests/sim/sim_log.h"

namespace asio = boost::asio;
using namespace cairn;
using namespace cairn::broker::replication;

namespace {

const raft::group_id kGroup{"orders", 0};

struct member {
  raft::sim::sim_log* log = nullptr;  // owned by the replica
  std::unique_ptr<replica_manager> manager;
  std::int64_t committed = 0;
  int changes = 0;
  bool asynchronous_flush = false;
  int flushes = 0;
};

class loop_cluster {
 public:
  explicit loop_cluster(bool asynchronous_flush) {
    raft::configuration config;
    for (int id = 1; id <= 3; ++id)
      config.voters.push_back(raft::node_id{id});
    for (int id = 1; id <= 3; ++id) {
      member& m = members_[id];
      m.asynchronous_flush = asynchronous_flush;
      manager_options opts{.self = raft::node_id{id},
                           .tick_interval = std::chrono::milliseconds(5)};
      m.manager = std::make_unique<replica_manager>(
          io, opts,
          [this, id](const raft::group_id& g, raft::message msg) { send(id, g, std::move(msg)); });
      auto log = std::make_unique<raft::sim::sim_log>(raft::node_id{id}, ledger_, config);
      m.log = log.get();
      replica::hooks h;
      h.committed = [&m](std::int64_t end) { m.committed = end; };
      h.changed = [&m](const election_state&) { ++m.changes; };
      if (asynchronous_flush) {
        // fdatasync on another thread, in the broker: here a later turn of the loop.
        h.flush = [this, &m](std::int64_t end, std::function<void(bool)> done) {
          asio::post(io, [&m, end, done = std::move(done)] {
            ++m.flushes;
            if (m.log->end_offset().value() >= end) m.log->flush();
            done(true);
          });
        };
      }
      m.manager->add(kGroup, std::move(log), {}, std::move(h));
      m.manager->start();
    }
  }

  void cut(int id) { cut_.insert(id); }
  void heal(int id) { cut_.erase(id); }

  replica& of(int id) { return *members_.at(id).manager->find(kGroup); }
  member& at(int id) { return members_.at(id); }

  // The one leader among the members not cut off, or 0.
  int leader() {
    int found = 0;
    for (auto& [id, m] : members_) {
      if (cut_.contains(id)) continue;
      if (m.manager->find(kGroup)->is_leader()) found = id;
    }
    return found;
  }

  // Runs the loop until `done` holds, for at most `turns` handlers (a bound, not a clock).
  template <class Predicate>
  bool run_until(Predicate done, int turns = 2'000'000) {
    for (int i = 0; i < turns; ++i) {
      if (done()) return true;
      if (io.run_one() == 0) io.restart();
    }
    return done();
  }

  asio::io_context io;

 private:
  void send(int from, const raft::group_id& g, raft::message msg) {
    const int to = msg.to.value();
    if (cut_.contains(from) || cut_.contains(to)) return;
    asio::post(io, [this, g, to, msg = std::move(msg)] {
      if (cut_.contains(to)) return;
      members_.at(to).manager->deliver(g, msg);
    });
  }

  raft::sim::ledger ledger_;
  std::map<int, member> members_;
  std::set<int> cut_;
};

void elects_commits_and_fails_over(bool asynchronous_flush) {
  loop_cluster c(asynchronous_flush);
  REQUIRE(c.run_until([&] { return c.leader() != 0; }));
  const int first = c.leader();

  auto proposed = c.of(first).propose("a", 1);
  REQUIRE(proposed);
  const std::int64_t end = proposed.value().last_offset.value() + 1;
  REQUIRE(c.run_until([&] {
    return c.at(1).committed >= end && c.at(2).committed >= end && c.at(3).committed >= end;
  }));
  if (asynchronous_flush) CHECK(c.at(first).flushes > 0);

  // The leader is cut off: the other two elect one of themselves, and it commits.
  c.cut(first);
  REQUIRE(c.run_until([&] { return c.leader() != 0; }));
  const int second = c.leader();
  CHECK(second != first);
  CHECK(c.of(second).term() > c.of(first).term());
  auto again = c.of(second).propose("b", 1);
  REQUIRE(again);
  const std::int64_t end2 = again.value().last_offset.value() + 1;
  REQUIRE(c.run_until([&] { return c.at(second).committed >= end2; }));

  // The old leader comes back, steps down (check quorum already made it a follower) and
  // catches up.
  c.heal(first);
  REQUIRE(c.run_until([&] {
    return !c.of(first).is_leader() && c.at(first).committed >= end2 &&
           c.of(first).leader().value() == second;
  }));
  CHECK(c.at(first).changes >= 2);
}

}  // namespace

TEST_CASE("three managers elect a leader, commit, and fail over when it is cut off",
          "[replication]") {
  elects_commits_and_fails_over(false);
}

TEST_CASE("with flush always, the commit waits for the asynchronous flushes", "[replication]") {
  elects_commits_and_fails_over(true);
}

TEST_CASE("a follower refuses proposals and names the leader", "[replication]") {
  loop_cluster c(false);
  REQUIRE(c.run_until([&] { return c.leader() != 0; }));
  const int leader = c.leader();
  const int follower = leader == 1 ? 2 : 1;
  REQUIRE(c.run_until([&] { return c.of(follower).leader().value() == leader; }));
  auto refused = c.of(follower).propose("x", 1);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == raft::errc::not_leader);
}

TEST_CASE("a message for a group this broker does not have is dropped and counted",
          "[replication]") {
  loop_cluster c(false);
  raft::message m{.from = raft::node_id{2},
                  .to = raft::node_id{1},
                  .body = raft::timeout_now{.term = raft::term_id{1}}};
  c.at(1).manager->deliver(raft::group_id{"unknown", 3}, m);
  CHECK(c.at(1).manager->dropped_unknown_group() == 1);
}
