// Unit tests of raft::node, driven by hand: each test delivers exactly the messages it means to,
// so that one rule of the protocol is observed at a time.
#include "broker/raft/node.h"

#include <catch2/catch.hpp>
#include <map>
#include <memory>

#include "tests/sim/print.h"
#include "tests/sim/sim_log.h"

using namespace cairn::raft;
using namespace cairn::raft::sim;

namespace {

constexpr node_id n1{1};
constexpr node_id n2{2};
constexpr node_id n3{3};

configuration voters(std::initializer_list<int> ids) {
  configuration c;
  for (int i : ids)
    c.voters.push_back(node_id{i});
  return c;
}

// Replicas and a mailbox; nothing moves unless the test says so.
struct harness {
  ledger book;
  std::map<node_id, std::unique_ptr<sim_log>> logs;
  std::map<node_id, std::unique_ptr<node>> nodes;
  std::vector<message> mailbox;

  explicit harness(configuration cfg, bool pre_vote = true) {
    for (node_id id : cfg.voters) {
      logs[id] = std::make_unique<sim_log>(id, book, cfg);
      options o;
      o.id = id;
      o.pre_vote = pre_vote;
      o.rng_seed = static_cast<std::uint64_t>(id.value());
      nodes[id] = std::make_unique<node>(o, *logs[id], hard_state{});
    }
  }
  node& operator[](node_id id) { return *nodes.at(id); }
  void collect(node_id id) {
    for (message& m : nodes.at(id)->take_ready().messages)
      mailbox.push_back(std::move(m));
  }
  void collect_all() {
    for (auto& [id, n] : nodes)
      collect(id);
  }
  // Delivers (and answers) until nothing is left, except what `drop` refuses.
  template <class Drop>
  void settle(Drop drop) {
    collect_all();
    for (int rounds = 0; !mailbox.empty() && rounds < 1000; ++rounds) {
      std::vector<message> batch = std::exchange(mailbox, {});
      for (const message& m : batch) {
        if (drop(m)) continue;
        nodes.at(m.to)->step(m);
        collect(m.to);
      }
    }
  }
  void settle() {
    settle([](const message&) { return false; });
  }
  void flush(node_id id) {
    logs.at(id)->flush();
    nodes.at(id)->flushed(logs.at(id)->end_offset());
    collect(id);
  }
  void flush_all() {
    for (auto& [id, n] : nodes)
      flush(id);
  }
  // Lets the others' leader lease run out (whatever they send meanwhile is lost), then ticks
  // `id` until it campaigns and settles: it becomes leader with the others' votes.
  void elect(node_id id) {
    for (auto& [other, n] : nodes) {
      if (other == id) continue;
      for (int i = 0; i < options{}.election_timeout_ticks_min; ++i)
        n->tick();
      (void)n->take_ready();
    }
    for (int i = 0; i < 100 && nodes.at(id)->current_role() == role::follower; ++i) {
      nodes.at(id)->tick();
    }
    settle();
    REQUIRE(nodes.at(id)->current_role() == role::leader);
  }
};

}  // namespace

TEST_CASE("raft node: a single voter commits only what its storage flushed", "[raft]") {
  harness h(voters({1}));
  h.elect(n1);
  auto r = h[n1].propose("a", 3);
  REQUIRE(r);
  CHECK(r.value().base_offset == log_offset{1});  // after the leader's no-op at 0
  CHECK(r.value().last_offset == log_offset{3});
  CHECK(h[n1].commit_end() == log_offset{0});
  h.flush(n1);
  CHECK(h[n1].commit_end() == log_offset{4});
}

TEST_CASE("raft node: a follower refuses proposals and names the leader", "[raft]") {
  harness h(voters({1, 2, 3}));
  h.elect(n1);
  auto r = h[n2].propose("a");
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::not_leader);
  CHECK(h[n2].leader() == n1);
}

TEST_CASE("raft node: the leader counts durable acknowledgements only", "[raft]") {
  harness h(voters({1, 2, 3}));
  h.elect(n1);
  h.flush(n1);
  REQUIRE(h[n1].propose("a"));
  h.settle();
  // Followers hold the batches but have flushed nothing: not committed.
  CHECK(h.logs.at(n2)->end_offset() == log_offset{2});
  CHECK(h[n1].commit_end() == log_offset{0});
  h.flush(n1);
  h.settle();
  CHECK(h[n1].commit_end() == log_offset{0});
  h.flush(n2);  // one follower's flush makes a majority with the leader
  h.settle();
  CHECK(h[n1].commit_end() == log_offset{2});
  const std::vector<follower_status> f = h[n1].followers();
  REQUIRE(f.size() == 2);
  CHECK(f[0].id == n2);
  CHECK(f[0].match_end == log_offset{2});
  CHECK(f[1].id == n3);
  CHECK(f[1].match_end == log_offset{0});
  CHECK(f[1].appended_end == log_offset{2});
  CHECK(h[n2].followers().empty());
  CHECK(h[n2].commit_end() == log_offset{2});  // learned from the leader's next append
}

TEST_CASE("raft node: entries of an earlier term commit only with one of the leader's", "[raft]") {
  // §3.6.2, Figure 3.7: a majority holding an old-term entry durably does not make it committed.
  harness h(voters({1, 2, 3}));
  const auto without_n3 = [](const message& m) { return m.to == n3 || m.from == n3; };
  h.elect(n1);
  REQUIRE(h[n1].propose("old"));
  h.settle(without_n3);
  h.flush(n1);
  h.flush(n2);
  h.settle(without_n3);
  REQUIRE(h[n1].commit_end() == log_offset{2});
  // Offset 2, of term 1, reaches n1 and n2; only n1 flushes it: not committed in term 1.
  REQUIRE(h[n1].propose("old, uncommitted"));
  h.settle(without_n3);
  h.flush(n1);
  h.settle(without_n3);
  REQUIRE(h[n1].commit_end() == log_offset{2});
  // n2 leads term 2 and appends its no-op at 3; n2 flushes all of it, n1 nothing more. Offset 2
  // is now durable on a majority (n1, n2), the no-op on n2 alone: the commit must stay at 2.
  h.elect(n2);
  REQUIRE(h.logs.at(n2)->term_at(log_offset{3}) == h[n2].term());
  h.flush(n2);
  h.settle();
  CHECK(h[n2].commit_end() == log_offset{2});
  // Once the no-op is durable on a majority, both commit.
  h.flush(n1);
  h.settle();
  CHECK(h[n2].commit_end() == log_offset{4});
}

TEST_CASE("raft node: pre-vote leaves an isolated follower's term alone", "[raft]") {
  for (bool pre_vote : {true, false}) {
    harness h(voters({1, 2, 3}), pre_vote);
    h.elect(n1);
    const term_id t = h[n2].term();
    for (int i = 0; i < 200; ++i)
      h[n2].tick();  // its messages all go unanswered
    (void)h[n2].take_ready();
    if (pre_vote) {
      CHECK(h[n2].term() == t);
      CHECK(h[n2].current_role() == role::pre_candidate);
    } else {
      CHECK(h[n2].term() > t + 5);
    }
  }
}

TEST_CASE("raft node: a divergent follower is repaired with one refusal per term", "[raft]") {
  harness h(voters({1, 2, 3}));
  h.elect(n1);
  h.flush_all();
  h.settle();
  // n1 writes batches nobody receives, then n2 leads and writes others.
  for (int i = 0; i < 10; ++i)
    REQUIRE(h[n1].propose("lost"));
  (void)h[n1].take_ready();
  h.elect(n2);
  for (int i = 0; i < 5; ++i)
    REQUIRE(h[n2].propose("kept"));
  int refusals = 0;
  h.collect_all();
  h.settle([&](const message& m) {
    if (const auto* r = std::get_if<append_response>(&m.body); r != nullptr && !r->success) {
      ++refusals;
    }
    return false;
  });
  CHECK(refusals <= 2);
  h.flush_all();
  h.settle();
  CHECK(h.logs.at(n1)->entries() == h.logs.at(n2)->entries());
}

TEST_CASE("raft node: configuration changes wait for the leader's first commit", "[raft]") {
  harness h(voters({1, 2, 3}));
  h.elect(n1);
  CHECK(h[n1].change_config(config_op::add_voter, node_id{4}).error() == errc::leader_not_ready);
  h.flush_all();
  h.settle();
  CHECK(h[n1].change_config(config_op::add_voter, n1).error() == errc::invalid_config_change);
  REQUIRE(h[n1].change_config(config_op::remove, n3));
  // In force from its append: the leader's commit now needs n2 only.
  CHECK(h.logs.at(n1)->config() == voters({1, 2}));
  CHECK(h[n1].change_config(config_op::remove, n2).error() == errc::config_change_pending);
  h.settle();
  h.flush_all();
  h.settle();
  CHECK(h[n1].commit_end() == h.logs.at(n1)->end_offset());
}

TEST_CASE("raft node: a learner is replicated to but counts for nothing until promoted", "[raft]") {
  harness h(voters({1, 2, 3}));
  const node_id n4{4};
  h.logs[n4] = std::make_unique<sim_log>(n4, h.book, configuration{});
  options o;
  o.id = n4;
  h.nodes[n4] = std::make_unique<node>(o, *h.logs[n4], hard_state{});
  h.elect(n1);
  h.flush_all();
  h.settle();
  REQUIRE(h[n1].change_config(config_op::add_learner, n4));
  CHECK(h[n1].change_config(config_op::promote, n4).error() == errc::config_change_pending);
  h.settle();
  h.flush_all();
  h.settle();
  CHECK(h.logs.at(n4)->end_offset() == h.logs.at(n1)->end_offset());
  CHECK(h.logs.at(n4)->config().is_learner(n4));
  // With n2 and n3 silent, the learner's flushed copy does not make a quorum.
  const auto cut = [](const message& m) { return m.to == n2 || m.to == n3; };
  REQUIRE(h[n1].propose("a"));
  h.settle(cut);
  h.flush(n1);
  h.flush(n4);
  h.settle(cut);
  CHECK(h[n1].commit_end() < h.logs.at(n1)->end_offset());
  CHECK(h[n1].change_config(config_op::promote, n2).error() == errc::invalid_config_change);
  // A learner never campaigns.
  for (int i = 0; i < 100; ++i)
    h[n4].tick();
  CHECK(h[n4].current_role() == role::follower);
  (void)h[n4].take_ready();
  h.settle();
  h.flush_all();
  h.settle();
  REQUIRE(h[n1].change_config(config_op::promote, n4));
  CHECK(h.logs.at(n1)->config() == voters({1, 2, 3, 4}));
  h.settle();
  h.flush_all();
  h.settle();
  CHECK(h[n1].commit_end() == h.logs.at(n1)->end_offset());
  CHECK(h[n4].commit_end() == h.logs.at(n1)->end_offset());
}

TEST_CASE("raft node: transfer targets must be voters other than the leader", "[raft]") {
  harness h(voters({1, 2, 3}));
  h.elect(n1);
  CHECK(h[n1].transfer_leadership(n1).error() == errc::invalid_transfer_target);
  CHECK(h[n1].transfer_leadership(node_id{9}).error() == errc::invalid_transfer_target);
  CHECK(h[n2].transfer_leadership(n3).error() == errc::not_leader);
  h.flush_all();
  h.settle();
  REQUIRE(h[n1].transfer_leadership(n3));
  h.settle();
  CHECK(h[n3].current_role() == role::leader);
  CHECK(h[n1].current_role() == role::follower);
}

TEST_CASE("raft node: campaign_now elects a fresh group's node without a timeout", "[raft]") {
  harness h(voters({1, 2, 3}));
  h[n2].campaign_now();  // no tick at all: the election starts now
  h.settle();
  CHECK(h[n2].current_role() == role::leader);
  CHECK(h[n1].leader() == n2);
  CHECK(h[n3].leader() == n2);
}

TEST_CASE("raft node: campaign_now cannot depose a leader its followers still hear", "[raft]") {
  harness h(voters({1, 2, 3}));
  h.elect(n1);
  const term_id t = h[n1].term();
  h[n3].campaign_now();
  h.settle();  // the pre-vote is refused inside the leader's lease
  CHECK(h[n1].current_role() == role::leader);
  CHECK(h[n1].term() == t);
  CHECK(h[n3].term() == t);
  h[n1].campaign_now();  // a leader ignores it
  CHECK(h[n1].current_role() == role::leader);
}
