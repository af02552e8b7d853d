// The consumer-group state machine (group_fsm) and the registry of one __consumer_offsets
// partition (group_registry): Kafka's join/sync/heartbeat/leave/commit rules, timers driven by an
// explicit clock, held requests answered exactly once, and rebuild from the written records.
#include "broker/group/group.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "broker/group/group_errc.h"
#include "broker/group/group_registry.h"

using namespace cairn::broker::group;
using cairn::log_offset;

namespace {

constexpr std::int32_t kSessionMs = 10'000;
constexpr std::int32_t kRebalanceMs = 30'000;

group_config no_delay() {
  group_config c;
  c.initial_rebalance_delay_ms = 0;
  return c;
}

std::vector<protocol> range_only() {
  return {{"range", "range-meta"}};
}

join_request join_req(std::string member_id, std::vector<protocol> protocols = range_only(),
                      std::optional<std::string> instance = std::nullopt,
                      std::string group_id = "g") {
  join_request r;
  r.group_id = std::move(group_id);
  r.member_id = std::move(member_id);
  r.group_instance_id = std::move(instance);
  r.client_id = "client";
  r.client_host = "/127.0.0.1";
  r.session_timeout_ms = kSessionMs;
  r.rebalance_timeout_ms = kRebalanceMs;
  r.protocol_type = "consumer";
  r.protocols = std::move(protocols);
  return r;
}

using answer = std::variant<join_response, sync_response>;

// Drives one group_fsm as its clients would, on a test clock, and checks that every held
// request is answered exactly once and that nothing else is ever answered.
class group_driver {
 public:
  explicit group_driver(const group_config& config = no_delay()) : g("g", config, 42) {}

  group_fsm g;
  std::int64_t now = 1'000'000;

  request_token token() { return request_token{++last_token_}; }

  std::optional<join_response> join(const join_request& r, request_token t) {
    auto out = g.join(r, t, now);
    if (!out) held_.insert(t.value());
    collect();
    return out;
  }

  // A new dynamic member's first join: member_id_required with the id to use.
  std::string new_id() {
    auto r = join(join_req(""), token());
    REQUIRE(r);
    REQUIRE(r->error == errc::member_id_required);
    REQUIRE_FALSE(r->member_id.empty());
    return r->member_id;
  }

  std::optional<sync_response> sync(const std::string& member_id, generation_id generation,
                                    std::vector<member_assignment> assignments, request_token t,
                                    std::optional<std::string> instance = std::nullopt) {
    sync_request r{"g", member_id, generation, std::move(instance), std::move(assignments)};
    auto out = g.sync(r, t, now);
    if (!out) held_.insert(t.value());
    collect();
    return out;
  }

  std::error_code heartbeat(const std::string& member_id, generation_id generation,
                            std::optional<std::string> instance = std::nullopt) {
    return g.heartbeat({"g", member_id, generation, std::move(instance)}, now);
  }

  leave_response leave(std::vector<leave_member> members) {
    auto r = g.leave({"g", std::move(members)}, now);
    collect();
    return r;
  }

  commit_response commit(const std::string& member_id, generation_id generation,
                         std::vector<offset_commit_entry> entries,
                         std::optional<std::string> instance = std::nullopt) {
    return g.commit_offsets({"g", member_id, generation, std::move(instance), std::move(entries)},
                            now);
  }

  std::optional<std::int64_t> expire() {
    auto next = g.expire(now);
    collect();
    return next;
  }

  bool answered(request_token t) const { return answers_.contains(t.value()); }
  bool holding(request_token t) const { return held_.contains(t.value()); }
  std::size_t held() const { return held_.size(); }

  join_response joined(request_token t) const {
    auto it = answers_.find(t.value());
    REQUIRE(it != answers_.end());
    REQUIRE(std::holds_alternative<join_response>(it->second));
    return std::get<join_response>(it->second);
  }

  sync_response synced(request_token t) const {
    auto it = answers_.find(t.value());
    REQUIRE(it != answers_.end());
    REQUIRE(std::holds_alternative<sync_response>(it->second));
    return std::get<sync_response>(it->second);
  }

 private:
  void collect() {
    for (completion& c : g.take_completions()) {
      INFO("completion for token " << c.token.value());
      REQUIRE(held_.erase(c.token.value()) == 1);
      REQUIRE(answers_.emplace(c.token.value(), std::move(c.response)).second);
    }
  }

  std::uint64_t last_token_ = 0;
  std::set<std::uint64_t> held_;
  std::map<std::uint64_t, answer> answers_;
};

std::string assignment_of(const std::string& id) {
  return "assigned-to-" + id;
}

std::vector<member_assignment> assign_all(const std::vector<std::string>& ids) {
  std::vector<member_assignment> out;
  for (const std::string& id : ids)
    out.push_back({id, assignment_of(id)});
  return out;
}

// Forms a Stable group of n dynamic members (the first leads) and returns their ids.
std::vector<std::string> form_group(group_driver& d, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back(d.new_id());
  // Each join waits for the ids still outstanding; the last one completes the phase.
  for (int i = 0; i < n; ++i) {
    auto r = d.join(join_req(ids[static_cast<std::size_t>(i)]), d.token());
    REQUIRE(r.has_value() == (i == n - 1));
  }
  REQUIRE(d.g.state() == group_state::completing_rebalance);
  for (int i = 1; i < n; ++i)
    REQUIRE_FALSE(d.sync(ids[static_cast<std::size_t>(i)], d.g.generation(), {}, d.token()));
  auto leader = d.sync(ids[0], d.g.generation(), assign_all(ids), d.token());
  REQUIRE(leader);
  REQUIRE(d.g.state() == group_state::stable);
  return ids;
}

std::vector<std::string> member_ids(const std::vector<join_member>& members) {
  std::vector<std::string> out;
  for (const join_member& m : members)
    out.push_back(m.member_id);
  return out;
}

}  // namespace

// --- joining ---

TEST_CASE("a new member is given an id and must join again with it", "[group]") {
  group_driver d;
  auto first = d.join(join_req(""), d.token());
  REQUIRE(first);
  CHECK(first->error == errc::member_id_required);
  CHECK(first->member_id.rfind("client-", 0) == 0);  // Kafka's shape: client id, "-", a UUID
  CHECK(first->member_id.size() == std::string("client-").size() + 36);
  CHECK(d.g.state() == group_state::empty);

  // A made-up id is not accepted; the given one is.
  auto made_up = d.join(join_req("client-made-up"), d.token());
  REQUIRE(made_up);
  CHECK(made_up->error == errc::unknown_member_id);

  auto second = d.join(join_req(first->member_id), d.token());
  REQUIRE(second);
  CHECK_FALSE(second->error);
  CHECK(second->member_id == first->member_id);
  CHECK(second->generation == generation_id{1});
  CHECK(second->leader_id == first->member_id);
  CHECK(second->protocol_type == "consumer");
  CHECK(second->protocol_name == "range");
  REQUIRE(second->members.size() == 1);
  CHECK(second->members[0].metadata == "range-meta");
  CHECK(d.g.state() == group_state::completing_rebalance);
}

TEST_CASE("a group grows from one to three members and shrinks to two", "[group]") {
  group_driver d;
  const std::string a = form_group(d, 1)[0];
  CHECK(d.g.generation() == generation_id{1});

  // Two more arrive: b's join starts a rebalance, c's id is still outstanding.
  const std::string b = d.new_id();
  const std::string c = d.new_id();
  auto tb = d.token();
  CHECK_FALSE(d.join(join_req(b), tb));
  CHECK(d.g.state() == group_state::preparing_rebalance);
  CHECK(d.heartbeat(a, generation_id{1}) == errc::rebalance_in_progress);
  auto ta = d.token();
  CHECK_FALSE(d.join(join_req(a), ta));  // c has not joined yet
  auto tc = d.token();
  auto rc = d.join(join_req(c), tc);  // the last one completes the phase
  REQUIRE(rc);
  CHECK(rc->generation == generation_id{2});
  CHECK(rc->leader_id == a);
  CHECK(rc->members.empty());  // only the leader learns the members
  auto ra = d.joined(ta);
  CHECK(ra.generation == generation_id{2});
  CHECK(member_ids(ra.members) == std::vector<std::string>{a, b, c});
  CHECK(d.joined(tb).generation == generation_id{2});
  CHECK(d.joined(tb).members.empty());

  // Everyone syncs; the leader's assignments answer the followers.
  auto sb = d.token();
  auto sc = d.token();
  CHECK_FALSE(d.sync(b, generation_id{2}, {}, sb));
  CHECK_FALSE(d.sync(c, generation_id{2}, {}, sc));
  auto sa = d.sync(a, generation_id{2}, assign_all({a, b, c}), d.token());
  REQUIRE(sa);
  CHECK(sa->assignment == assignment_of(a));
  CHECK(d.synced(sb).assignment == assignment_of(b));
  CHECK(d.synced(sc).assignment == assignment_of(c));
  CHECK(d.g.state() == group_state::stable);

  // c leaves: a prompt rebalance to generation 3 with a and b.
  auto left = d.leave({{c, std::nullopt}});
  CHECK_FALSE(left.error);
  REQUIRE(left.member_errors.size() == 1);
  CHECK_FALSE(left.member_errors[0]);
  CHECK(d.g.state() == group_state::preparing_rebalance);
  CHECK(d.heartbeat(c, generation_id{2}) == errc::unknown_member_id);
  auto ta3 = d.token();
  CHECK_FALSE(d.join(join_req(a), ta3));
  auto rb3 = d.join(join_req(b), d.token());
  REQUIRE(rb3);
  CHECK(rb3->generation == generation_id{3});
  CHECK(member_ids(d.joined(ta3).members) == std::vector<std::string>{a, b});
  CHECK(d.g.describe().members.size() == 2);
  CHECK(d.held() == 0);
}

TEST_CASE("when the leader leaves the earliest remaining member leads", "[group]") {
  group_driver d;
  auto ids = form_group(d, 3);
  d.leave({{ids[0], std::nullopt}});
  CHECK(d.g.describe().leader_id == ids[1]);
  auto t2 = d.token();
  CHECK_FALSE(d.join(join_req(ids[2]), t2));
  auto r1 = d.join(join_req(ids[1]), d.token());
  REQUIRE(r1);
  CHECK(r1->leader_id == ids[1]);
  CHECK(member_ids(r1->members) == std::vector<std::string>{ids[1], ids[2]});
  CHECK(d.joined(t2).leader_id == ids[1]);
}

TEST_CASE("followers' syncs wait for the leader's assignments", "[group]") {
  group_driver d;
  const std::string a = d.new_id();
  const std::string b = d.new_id();
  auto ta = d.token();
  CHECK_FALSE(d.join(join_req(a), ta));
  REQUIRE(d.join(join_req(b), d.token()));
  const generation_id gen = d.g.generation();

  auto sb = d.token();
  CHECK_FALSE(d.sync(b, gen, {{b, "ignored: only the leader assigns"}}, sb));
  CHECK(d.holding(sb));
  CHECK(d.g.state() == group_state::completing_rebalance);
  CHECK_FALSE(d.heartbeat(b, gen));  // heartbeats are fine while waiting for the leader

  // A retried follower sync replaces the first one, which is told so.
  auto sb2 = d.token();
  CHECK_FALSE(d.sync(b, gen, {}, sb2));
  CHECK(d.synced(sb).error == errc::rebalance_in_progress);

  // The leader assigns b only: members left out get an empty assignment.
  auto sa = d.sync(a, gen, {{b, "partitions-of-b"}, {"stranger", "x"}}, d.token());
  REQUIRE(sa);
  CHECK_FALSE(sa->error);
  CHECK(sa->assignment.empty());
  CHECK(d.synced(sb2).assignment == "partitions-of-b");
  CHECK(d.g.state() == group_state::stable);

  // In Stable a sync returns the member's assignment at once.
  auto again = d.sync(b, gen, {}, d.token());
  REQUIRE(again);
  CHECK(again->assignment == "partitions-of-b");
  auto wrong = d.sync(b, gen + 1, {}, d.token());
  REQUIRE(wrong);
  CHECK(wrong->error == errc::illegal_generation);
}

TEST_CASE("heartbeats answer by state and generation", "[group]") {
  group_driver d;
  auto ids = form_group(d, 2);
  const generation_id gen = d.g.generation();
  CHECK_FALSE(d.heartbeat(ids[0], gen));
  CHECK(d.heartbeat(ids[0], gen + 1) == errc::illegal_generation);
  CHECK(d.heartbeat("nobody", gen) == errc::unknown_member_id);

  // The leader rejoining starts a rebalance: everyone is told to rejoin.
  auto t0 = d.token();
  CHECK_FALSE(d.join(join_req(ids[0]), t0));
  CHECK(d.heartbeat(ids[1], gen) == errc::rebalance_in_progress);
  CHECK(d.heartbeat(ids[0], gen) == errc::rebalance_in_progress);
  auto sync_during = d.sync(ids[1], gen, {}, d.token());
  REQUIRE(sync_during);
  CHECK(sync_during->error == errc::rebalance_in_progress);
  REQUIRE(d.join(join_req(ids[1]), d.token()));
  CHECK_FALSE(d.heartbeat(ids[1], gen + 1));  // CompletingRebalance: fine
}

TEST_CASE("a follower rejoining a Stable group unchanged gets the current generation", "[group]") {
  group_driver d;
  auto ids = form_group(d, 2);
  const generation_id gen = d.g.generation();
  auto r = d.join(join_req(ids[1]), d.token());
  REQUIRE(r);
  CHECK_FALSE(r->error);
  CHECK(r->generation == gen);
  CHECK(d.g.state() == group_state::stable);

  // With a new subscription it starts a rebalance.
  CHECK_FALSE(d.join(join_req(ids[1], {{"range", "new-topics"}}), d.token()));
  CHECK(d.g.state() == group_state::preparing_rebalance);
}

TEST_CASE("a second join of the same member supersedes the first", "[group]") {
  group_driver d;
  auto ids = form_group(d, 2);
  auto first = d.token();
  CHECK_FALSE(d.join(join_req(ids[0]), first));
  auto second = d.token();
  CHECK_FALSE(d.join(join_req(ids[0]), second));
  CHECK(d.joined(first).error == errc::rebalance_in_progress);
  REQUIRE(d.join(join_req(ids[1]), d.token()));
  CHECK_FALSE(d.joined(second).error);
}

// --- timers ---

TEST_CASE("an expired session removes the member and rebalances the group", "[group][timer]") {
  group_driver d;
  auto ids = form_group(d, 2);
  const generation_id gen = d.g.generation();
  const std::int64_t start = d.now;
  CHECK(d.g.next_deadline() == start + kSessionMs);

  d.now += kSessionMs / 2;
  CHECK_FALSE(d.heartbeat(ids[0], gen));  // a stays; b goes silent
  CHECK(d.g.next_deadline() == start + kSessionMs);
  d.now = start + kSessionMs - 1;
  CHECK(d.expire() == start + kSessionMs);
  CHECK(d.g.state() == group_state::stable);

  d.now = start + kSessionMs;
  d.expire();
  CHECK(d.g.state() == group_state::preparing_rebalance);
  CHECK(d.heartbeat(ids[1], gen) == errc::unknown_member_id);
  CHECK(d.heartbeat(ids[0], gen) == errc::rebalance_in_progress);
  auto r = d.join(join_req(ids[0]), d.token());
  REQUIRE(r);
  CHECK(r->generation == gen + 1);
  CHECK(member_ids(r->members) == std::vector<std::string>{ids[0]});
}

TEST_CASE("members that do not rejoin within the rebalance timeout are removed", "[group][timer]") {
  group_driver d;
  auto ids = form_group(d, 2);
  const generation_id gen = d.g.generation();
  const std::string c = d.new_id();
  const std::int64_t start = d.now;
  auto tc = d.token();
  CHECK_FALSE(d.join(join_req(c), tc));
  auto ta = d.token();
  CHECK_FALSE(d.join(join_req(ids[0]), ta));

  // b keeps heartbeating (so its session lives) but never rejoins.
  while (d.now + 5'000 < start + kRebalanceMs) {
    d.now += 5'000;
    CHECK(d.heartbeat(ids[1], gen) == errc::rebalance_in_progress);
    d.expire();
    CHECK(d.g.state() == group_state::preparing_rebalance);
  }
  CHECK(d.g.next_deadline() == start + kRebalanceMs);
  d.now = start + kRebalanceMs;
  d.expire();
  CHECK(d.g.state() == group_state::completing_rebalance);
  CHECK(d.joined(ta).generation == gen + 1);
  CHECK(member_ids(d.joined(ta).members) == std::vector<std::string>{ids[0], c});
  CHECK(d.joined(tc).leader_id == ids[0]);
  CHECK(d.heartbeat(ids[1], gen) == errc::unknown_member_id);
}

TEST_CASE("a leader that never syncs is removed after the rebalance timeout", "[group][timer]") {
  group_driver d;
  const std::string a = d.new_id();
  const std::string b = d.new_id();
  CHECK_FALSE(d.join(join_req(a), d.token()));
  REQUIRE(d.join(join_req(b), d.token()));
  const generation_id gen = d.g.generation();
  const std::int64_t start = d.now;
  auto sb = d.token();
  CHECK_FALSE(d.sync(b, gen, {}, sb));
  for (int i = 1; i * 5'000 < kRebalanceMs; ++i) {
    d.now = start + i * 5'000;
    CHECK_FALSE(d.heartbeat(a, gen));  // alive, but never syncs
    d.expire();
    CHECK(d.g.state() == group_state::completing_rebalance);
  }
  CHECK(d.g.next_deadline() == start + kRebalanceMs);
  CHECK(d.holding(sb));
  d.now = start + kRebalanceMs;
  d.expire();
  CHECK(d.synced(sb).error == errc::rebalance_in_progress);
  CHECK(d.heartbeat(a, gen) == errc::unknown_member_id);
  auto r = d.join(join_req(b), d.token());
  REQUIRE(r);
  CHECK(r->leader_id == b);
  CHECK(r->generation == gen + 1);
}

TEST_CASE("a member id that is never used lapses after the session timeout", "[group][timer]") {
  group_driver d;
  auto ids = form_group(d, 1);
  const std::int64_t start = d.now;
  d.now += 1'000;
  const std::string unused = d.new_id();
  d.now += 4'000;
  CHECK_FALSE(d.heartbeat(ids[0], d.g.generation()));
  CHECK(d.g.next_deadline() == start + 1'000 + kSessionMs);
  d.now = start + 1'000 + kSessionMs;
  d.expire();
  auto r = d.join(join_req(unused), d.token());
  REQUIRE(r);
  CHECK(r->error == errc::unknown_member_id);
  CHECK(d.g.state() == group_state::stable);
}

TEST_CASE("the initial rebalance delay gathers members that start together", "[group][timer]") {
  group_config config = no_delay();
  config.initial_rebalance_delay_ms = 3'000;
  group_driver d(config);
  const std::int64_t start = d.now;
  const std::string a = d.new_id();
  auto ta = d.token();
  CHECK_FALSE(d.join(join_req(a), ta));  // alone, but the delay has not passed
  CHECK(d.g.next_deadline() == start + 3'000);
  d.now = start + 1'000;
  const std::string b = d.new_id();
  auto tb = d.token();
  CHECK_FALSE(d.join(join_req(b), tb));
  CHECK(d.g.next_deadline() == start + 4'000);  // b bought another delay
  d.now = start + 3'000;
  d.expire();
  CHECK_FALSE(d.answered(ta));
  d.now = start + 4'000;
  d.expire();
  CHECK(d.joined(ta).generation == generation_id{1});
  CHECK(member_ids(d.joined(ta).members) == std::vector<std::string>{a, b});
  CHECK(d.joined(tb).generation == generation_id{1});
}

// --- static membership ---

TEST_CASE("a restarted static member gets its assignment back and fences its old id",
          "[group][static]") {
  group_driver d;
  // s (static, instance "i-1") leads; f is a dynamic follower.
  auto first = d.join(join_req("", range_only(), "i-1"), d.token());  // no member_id_required
  REQUIRE(first);  // alone: its join completed the phase at once
  CHECK_FALSE(first->error);
  const std::string s = first->member_id;
  CHECK(d.g.generation() == generation_id{1});
  const std::string f = d.new_id();
  CHECK_FALSE(d.join(join_req(f), d.token()));
  auto ts2 = d.token();
  REQUIRE(d.join(join_req(s, range_only(), "i-1"), ts2));
  const generation_id gen = d.g.generation();
  auto sf = d.token();
  CHECK_FALSE(d.sync(f, gen, {}, sf));
  REQUIRE(d.sync(s, gen, assign_all({s, f}), d.token(), "i-1"));
  REQUIRE(d.g.state() == group_state::stable);
  d.g.take_metadata_write();

  // s restarts within its session timeout: a new member id, same generation, no rebalance.
  d.now += kSessionMs / 2;
  auto back = d.join(join_req("", range_only(), "i-1"), d.token());
  REQUIRE(back);
  CHECK_FALSE(back->error);
  const std::string s2 = back->member_id;
  CHECK(s2 != s);
  CHECK(back->generation == gen);
  CHECK(back->leader_id == s2);  // it led, and still does
  CHECK(back->skip_assignment);  // KIP-814: it must not compute a new assignment
  CHECK(member_ids(back->members) == std::vector<std::string>{s2, f});
  CHECK(d.g.state() == group_state::stable);
  auto written = d.g.take_metadata_write();  // the new id must be persisted before answering
  REQUIRE(written);
  CHECK(written->members[0].member_id == s2);
  CHECK(written->leader_id == s2);

  auto assignment = d.sync(s2, gen, {}, d.token(), "i-1");
  REQUIRE(assignment);
  CHECK_FALSE(assignment->error);
  CHECK(assignment->assignment == assignment_of(s));
  CHECK_FALSE(d.heartbeat(f, gen));  // the follower never noticed
  CHECK_FALSE(d.heartbeat(s2, gen, "i-1"));

  // The old incarnation is fenced everywhere.
  CHECK(d.heartbeat(s, gen, "i-1") == errc::fenced_instance_id);
  CHECK(d.commit(s, gen, {{"t", 0, log_offset{5}, ""}}, "i-1").error == errc::fenced_instance_id);
  auto old_sync = d.sync(s, gen, {}, d.token(), "i-1");
  REQUIRE(old_sync);
  CHECK(old_sync->error == errc::fenced_instance_id);
  auto old_join = d.join(join_req(s, range_only(), "i-1"), d.token());
  REQUIRE(old_join);
  CHECK(old_join->error == errc::fenced_instance_id);
  auto old_leave = d.leave({{s, "i-1"}});
  CHECK(old_leave.member_errors[0] == errc::fenced_instance_id);
  CHECK(d.g.describe().members.size() == 2);
}

TEST_CASE("a static member back with new protocols starts a rebalance", "[group][static]") {
  group_driver d;
  auto first = d.join(join_req("", range_only(), "i-1"), d.token());
  REQUIRE(first);
  const std::string s = first->member_id;
  REQUIRE(d.sync(s, d.g.generation(), assign_all({s}), d.token(), "i-1"));
  const generation_id gen = d.g.generation();

  auto r = d.join(join_req("", {{"range", "more-topics"}}, "i-1"), d.token());
  REQUIRE(r);  // it is alone: the phase completes at once
  CHECK(r->generation == gen + 1);
  CHECK(r->member_id != s);
  CHECK(d.g.state() == group_state::completing_rebalance);
}

TEST_CASE("a static member held in a rebalance is fenced by its restart", "[group][static]") {
  group_driver d;
  auto ids = form_group(d, 1);
  auto t = d.token();
  CHECK_FALSE(d.join(join_req("", range_only(), "i-9"), t));  // new static member: rebalance
  CHECK(d.g.state() == group_state::preparing_rebalance);
  auto t2 = d.token();
  CHECK_FALSE(d.join(join_req("", range_only(), "i-9"), t2));  // it restarts mid-phase
  CHECK(d.joined(t).error == errc::fenced_instance_id);
  REQUIRE(d.join(join_req(ids[0]), d.token()));
  CHECK_FALSE(d.joined(t2).error);
  CHECK(d.joined(t2).generation == generation_id{2});

  // An admin removal by instance id alone.
  auto left = d.leave({{"", "i-9"}});
  CHECK_FALSE(left.member_errors[0]);
  CHECK(d.g.describe().members.size() == 1);
}

// --- offsets ---

TEST_CASE("a zombie from an old generation can neither commit nor heartbeat", "[group][offsets]") {
  group_driver d;
  auto ids = form_group(d, 2);
  const generation_id old_gen = d.g.generation();
  CHECK_FALSE(d.commit(ids[1], old_gen, {{"t", 0, log_offset{10}, ""}}).error);

  // A rebalance moves everyone to the next generation.
  auto t0 = d.token();
  CHECK_FALSE(d.join(join_req(ids[0]), t0));
  // During PreparingRebalance the old generation may still commit what it consumed.
  CHECK_FALSE(d.commit(ids[1], old_gen, {{"t", 0, log_offset{11}, ""}}).error);
  REQUIRE(d.join(join_req(ids[1]), d.token()));
  const generation_id gen = d.g.generation();
  REQUIRE(gen == old_gen + 1);
  auto s1 = d.token();
  CHECK_FALSE(d.sync(ids[1], gen, {}, s1));
  REQUIRE(d.sync(ids[0], gen, assign_all(ids), d.token()));

  // ids[1]'s old incarnation (a thread still on the old generation) is fenced.
  CHECK(d.commit(ids[1], old_gen, {{"t", 0, log_offset{99}, ""}}).error ==
        errc::illegal_generation);
  CHECK(d.heartbeat(ids[1], old_gen) == errc::illegal_generation);
  auto fetched = d.g.fetch_offsets(std::vector<topic_partition>{{"t", 0}});
  REQUIRE(fetched.size() == 1);
  REQUIRE(fetched[0].committed);
  CHECK(fetched[0].committed->offset == log_offset{11});

  // A member removed for silence is unknown.
  d.now += kSessionMs;
  CHECK_FALSE(d.heartbeat(ids[0], gen));
  d.expire();
  CHECK(d.commit(ids[1], gen, {{"t", 0, log_offset{99}, ""}}).error == errc::unknown_member_id);
}

TEST_CASE("commits are refused while the group waits for the leader's sync", "[group][offsets]") {
  group_driver d;
  const std::string a = d.new_id();
  REQUIRE(d.join(join_req(a), d.token()));
  CHECK(d.commit(a, d.g.generation(), {{"t", 0, log_offset{1}, ""}}).error ==
        errc::rebalance_in_progress);
  REQUIRE(d.sync(a, d.g.generation(), assign_all({a}), d.token()));
  auto ok = d.commit(a, d.g.generation(), {{"t", 0, log_offset{1}, "meta"}});
  CHECK_FALSE(ok.error);
  REQUIRE(ok.partition_errors.size() == 1);
  CHECK_FALSE(ok.partition_errors[0]);
  auto all = d.g.fetch_offsets(std::nullopt);
  REQUIRE(all.size() == 1);
  CHECK(all[0].committed->metadata == "meta");
  CHECK(all[0].committed->commit_timestamp_ms == d.now);
}

TEST_CASE("standalone commits are accepted only while the group is Empty", "[group][offsets]") {
  group_driver d;
  CHECK_FALSE(d.commit("", kNoGeneration, {{"t", 3, log_offset{42}, ""}}).error);
  auto ids = form_group(d, 1);
  CHECK(d.commit("", kNoGeneration, {{"t", 3, log_offset{7}, ""}}).error ==
        errc::unknown_member_id);
  d.leave({{ids[0], std::nullopt}});
  CHECK(d.g.state() == group_state::empty);
  CHECK(d.g.generation() == generation_id{2});  // the phase that emptied it counts
  CHECK_FALSE(d.commit("", kNoGeneration, {{"t", 3, log_offset{8}, ""}}).error);
  CHECK(d.g.fetch_offsets(std::nullopt)[0].committed->offset == log_offset{8});
  // A member id with no generation is not a standalone commit.
  CHECK(d.commit("someone", kNoGeneration, {{"t", 3, log_offset{9}, ""}}).error ==
        errc::unknown_member_id);
}

TEST_CASE("commit entries are checked one by one", "[group][offsets]") {
  group_driver d;
  const std::string big(4'097, 'm');
  auto r = d.commit("", kNoGeneration,
                    {{"t", 0, log_offset{1}, std::string(4'096, 'm')},
                     {"t", 1, log_offset{1}, big},
                     {"", 2, log_offset{1}, ""},
                     {"t", -1, log_offset{1}, ""},
                     {"t", 4, log_offset{-1}, ""}});
  CHECK_FALSE(r.error);
  REQUIRE(r.partition_errors.size() == 5);
  CHECK_FALSE(r.partition_errors[0]);
  CHECK(r.partition_errors[1] == errc::offset_metadata_too_large);
  CHECK(r.partition_errors[2] == errc::invalid_request);
  CHECK(r.partition_errors[3] == errc::invalid_request);
  CHECK(r.partition_errors[4] == errc::invalid_request);
  CHECK(d.g.offsets().size() == 1);
}

TEST_CASE("delete and reset are allowed only when the group is Empty", "[group][offsets]") {
  group_driver d;
  auto ids = form_group(d, 1);
  CHECK_FALSE(d.commit(ids[0], d.g.generation(), {{"t", 0, log_offset{5}, ""}}).error);
  CHECK(d.g.mark_dead() == errc::non_empty_group);
  CHECK(d.g.reset_offsets({{"t", 0, log_offset{0}, ""}}, d.now).error == errc::non_empty_group);
  CHECK(d.g.state() == group_state::stable);

  d.leave({{ids[0], std::nullopt}});
  REQUIRE(d.g.state() == group_state::empty);
  auto reset = d.g.reset_offsets({{"t", 0, log_offset{0}, ""}}, d.now);
  CHECK_FALSE(reset.error);
  CHECK(d.g.fetch_offsets(std::nullopt)[0].committed->offset == log_offset{0});

  CHECK_FALSE(d.g.mark_dead());
  CHECK(d.g.state() == group_state::dead);
  CHECK(d.g.offsets().empty());
  CHECK(d.g.mark_dead() == errc::group_id_not_found);
  auto late = d.join(join_req(""), d.token());
  REQUIRE(late);
  CHECK(late->error == errc::coordinator_not_available);
  CHECK(d.heartbeat(ids[0], generation_id{1}) == errc::coordinator_not_available);
}

TEST_CASE("the generation wraps from INT32_MAX to 1", "[group]") {
  group_driver d;
  group_metadata_value restored;
  restored.protocol_type = "consumer";
  restored.generation = generation_id{INT32_MAX};
  d.g.restore(restored, d.now);
  CHECK(d.g.state() == group_state::empty);
  CHECK(d.g.generation() == generation_id{INT32_MAX});
  const std::string a = d.new_id();
  auto r = d.join(join_req(a), d.token());
  REQUIRE(r);
  CHECK(r->generation == generation_id{1});
}

// --- bad input ---

TEST_CASE("absurd timeouts are refused", "[group][limits]") {
  group_driver d;
  auto with = [](std::int32_t session_ms, std::int32_t rebalance_ms) {
    join_request r = join_req("");
    r.session_timeout_ms = session_ms;
    r.rebalance_timeout_ms = rebalance_ms;
    return r;
  };
  for (std::int32_t session_ms : {-1, 0, 5'999, 1'800'001, INT32_MAX}) {
    auto r = d.join(with(session_ms, kRebalanceMs), d.token());
    REQUIRE(r);
    CHECK(r->error == errc::invalid_session_timeout);
  }
  for (std::int32_t rebalance_ms : {INT32_MIN, -1, 0}) {
    auto r = d.join(with(kSessionMs, rebalance_ms), d.token());
    REQUIRE(r);
    CHECK(r->error == errc::invalid_rebalance_timeout);
  }
  CHECK(d.join(with(6'000, 1), d.token())->error == errc::member_id_required);
  CHECK(d.join(with(1'800'000, INT32_MAX), d.token())->error == errc::member_id_required);

  group_config strict = no_delay();
  strict.session_timeout_ms_min = 1'000;
  strict.session_timeout_ms_max = 2'000;
  strict.rebalance_timeout_ms_max = 60'000;
  group_driver s(strict);
  CHECK(s.join(with(2'001, 1'000), s.token())->error == errc::invalid_session_timeout);
  CHECK(s.join(with(1'000, 60'001), s.token())->error == errc::invalid_rebalance_timeout);
  CHECK(s.join(with(1'000, 60'000), s.token())->error == errc::member_id_required);
}

TEST_CASE("a full group refuses new members", "[group][limits]") {
  group_config config = no_delay();
  config.members_max = 2;
  group_driver d(config);
  auto ids = form_group(d, 2);
  auto r = d.join(join_req(""), d.token());
  REQUIRE(r);
  CHECK(r->error == errc::group_max_size_reached);
  auto static_member = d.join(join_req("", range_only(), "i-1"), d.token());
  REQUIRE(static_member);
  CHECK(static_member->error == errc::group_max_size_reached);

  // Outstanding member ids count too.
  d.leave({{ids[1], std::nullopt}});
  (void)d.new_id();
  CHECK(d.join(join_req(""), d.token())->error == errc::group_max_size_reached);
}

TEST_CASE("protocol lists that are empty oversized or malformed are refused", "[group][limits]") {
  group_config config = no_delay();
  config.protocol_metadata_bytes_max = 100;
  config.protocols_max = 3;
  group_driver d(config);
  auto error_of = [&](join_request r) {
    auto out = d.join(r, d.token());
    REQUIRE(out);
    return out->error;
  };
  CHECK(error_of(join_req("", {})) == errc::inconsistent_group_protocol);
  join_request no_type = join_req("");
  no_type.protocol_type.clear();
  CHECK(error_of(no_type) == errc::inconsistent_group_protocol);
  CHECK(error_of(join_req("", {{"range", std::string(101, 'x')}})) ==
        errc::protocol_metadata_too_large);
  CHECK(error_of(join_req("", {{"range", std::string(100, 'x')}})) == errc::member_id_required);
  CHECK(error_of(join_req("", {{"a", ""}, {"b", ""}, {"c", ""}, {"d", ""}})) ==
        errc::invalid_request);
  CHECK(error_of(join_req("", {{"range", ""}, {"range", ""}})) == errc::invalid_request);
  CHECK(error_of(join_req("", {{"", ""}})) == errc::invalid_request);
  CHECK(error_of(join_req("", range_only(), std::string(2'000, 'i'))) == errc::invalid_request);
  CHECK(error_of(join_req("", range_only(), std::string())) == errc::invalid_request);

  // An assignment over assignment_bytes_max: the leader is told, the group starts over.
  group_driver fresh;
  const std::string a = fresh.new_id();
  REQUIRE(fresh.join(join_req(a), fresh.token()));
  auto too_big = fresh.sync(a, fresh.g.generation(), {{a, std::string(1'024 * 1'024 + 1, 'x')}},
                            fresh.token());
  REQUIRE(too_big);
  CHECK(too_big->error == errc::group_metadata_too_large);
  CHECK(fresh.g.state() == group_state::preparing_rebalance);
}

TEST_CASE("the group's record size bounds the sum of assignments", "[group][limits]") {
  group_config config = no_delay();
  config.group_record_bytes_max = 10'000;
  group_driver d(config);
  auto a = d.new_id();
  auto b = d.new_id();
  auto ta = d.token();
  CHECK_FALSE(d.join(join_req(a), ta));
  REQUIRE(d.join(join_req(b), d.token()));
  auto sb = d.token();
  CHECK_FALSE(d.sync(b, d.g.generation(), {}, sb));
  auto r = d.sync(a, d.g.generation(), {{a, std::string(6'000, 'a')}, {b, std::string(6'000, 'b')}},
                  d.token());
  REQUIRE(r);
  CHECK(r->error == errc::group_metadata_too_large);
  CHECK(d.synced(sb).error == errc::rebalance_in_progress);
}

TEST_CASE("members must share the group's protocol type and a protocol", "[group][protocols]") {
  group_driver d;
  auto ids = form_group(d, 1);
  join_request other_type = join_req("");
  other_type.protocol_type = "connect";
  CHECK(d.join(other_type, d.token())->error == errc::inconsistent_group_protocol);
  CHECK(d.join(join_req("", {{"sticky", ""}}), d.token())->error ==
        errc::inconsistent_group_protocol);
  // The only member may change protocols freely; then the group speaks sticky.
  auto changed = d.join(join_req(ids[0], {{"sticky", ""}}), d.token());
  REQUIRE(changed);
  CHECK(changed->protocol_name == "sticky");
  CHECK(d.join(join_req(""), d.token())->error == errc::inconsistent_group_protocol);
  CHECK(d.join(join_req("", {{"sticky", ""}, {"range", ""}}), d.token())->error ==
        errc::member_id_required);
}

TEST_CASE("the chosen protocol is the members' most voted common one", "[group][protocols]") {
  auto choose = [](std::vector<std::vector<protocol>> lists) {
    group_driver d;
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < lists.size(); ++i)
      ids.push_back(d.new_id());
    std::optional<join_response> last;
    for (std::size_t i = 0; i < lists.size(); ++i)
      last = d.join(join_req(ids[i], lists[i]), d.token());
    REQUIRE(last);
    return last->protocol_name;
  };
  const protocol range{"range", ""};
  const protocol rr{"roundrobin", ""};
  const protocol sticky{"sticky", ""};
  CHECK(choose({{range, rr}, {rr, range}, {rr, range}}) == "roundrobin");
  CHECK(choose({{range, rr}, {rr, range}}) == "range");  // a tie: the leader's preference
  CHECK(choose({{sticky, range, rr}, {rr, sticky}, {range, rr}}) == "roundrobin");  // only common
}

// --- the registry ---

namespace {

// A registry with its log: every output's records are appended, every completion checked once.
class registry_driver {
 public:
  explicit registry_driver(registry_config config = make_config()) : r(config) {}

  static registry_config make_config() {
    registry_config c;
    c.group = no_delay();
    c.member_id_seed = 7;
    return c;
  }

  group_registry r;
  std::vector<offsets_record> log;
  std::int64_t now = 5'000'000;
  std::uint64_t last_token = 0;
  std::set<std::uint64_t> held;

  std::vector<completion> answered;  // completions not yet looked at by the test

  template <class T>
  T take(registry_output<T> out) {
    log.insert(log.end(), out.records.begin(), out.records.end());
    for (completion& c : out.completions) {
      REQUIRE(held.erase(c.token.value()) == 1);
      answered.push_back(std::move(c));
    }
    return std::move(out.response);
  }

  std::optional<join_response> join(const join_request& req) {
    request_token t{++last_token};
    auto out = take(r.join(req, t, now));
    if (!out) held.insert(t.value());
    return out;
  }

  std::optional<sync_response> sync(const sync_request& req) {
    request_token t{++last_token};
    auto out = take(r.sync(req, t, now));
    if (!out) held.insert(t.value());
    return out;
  }

  // A one-member group in Stable; returns the member id.
  std::string stable_member(const std::string& group_id, std::optional<std::string> instance = {}) {
    std::string id;
    if (!instance) {
      auto first = join(join_req("", range_only(), std::nullopt, group_id));
      REQUIRE(first);
      REQUIRE(first->error == errc::member_id_required);
      id = first->member_id;
    }
    auto joined = join(join_req(id, range_only(), instance, group_id));
    REQUIRE(joined);
    REQUIRE_FALSE(joined->error);
    id = joined->member_id;
    auto synced = sync({group_id, id, joined->generation, instance, {{id, "assigned"}}});
    REQUIRE(synced);
    REQUIRE_FALSE(synced->error);
    return id;
  }
};

// The groups rebuilt from `log` equal the live registry's persisted state: offsets always, and
// the whole description of groups at rest (Stable or Empty). Groups the log does not know are
// only ones that never reached a persisted state and hold no offsets.
void check_rebuild(const group_registry& live, const std::vector<offsets_record>& log,
                   std::int64_t now_ms) {
  group_registry rebuilt(registry_driver::make_config());
  auto outcome = rebuilt.rebuild(log, now_ms);
  REQUIRE_FALSE(outcome.error);
  std::set<std::string> live_ids;
  for (const group_listing& l : live.list_groups()) {
    live_ids.insert(l.group_id);
    INFO("group " << l.group_id << " in " << to_string(l.state));
    auto live_offsets = live.fetch_offsets(l.group_id, std::nullopt).value();
    CHECK(rebuilt.fetch_offsets(l.group_id, std::nullopt).value() == live_offsets);
    if (l.state != group_state::stable && l.state != group_state::empty) continue;
    auto live_description = live.describe(l.group_id).value();
    auto rebuilt_description = rebuilt.describe(l.group_id).value();
    if (rebuilt_description.state == group_state::dead) {
      // Never written: an Empty group that only handed out member ids.
      CHECK(live_description.generation == generation_id{0});
      CHECK(live_offsets.empty());
      continue;
    }
    CHECK(rebuilt_description == live_description);
  }
  for (const group_listing& l : rebuilt.list_groups())
    CHECK(live_ids.contains(l.group_id));
}

}  // namespace

TEST_CASE("the registry writes what each call changes", "[group][registry]") {
  registry_driver d;
  const std::string a = d.stable_member("orders");
  REQUIRE(d.log.size() == 1);  // the leader's sync: the group with its assignment
  auto key = decode_key(d.log[0].key);
  REQUIRE(key);
  CHECK(std::get<group_metadata_key>(key.value()).group_id == "orders");
  auto value = decode_group_metadata_value(*d.log[0].value);
  REQUIRE(value);
  CHECK(value.value().generation == generation_id{1});
  CHECK(value.value().members.at(0).member_id == a);
  CHECK(value.value().members.at(0).assignment == "assigned");
  CHECK(value.value().members.at(0).subscription == "range-meta");

  // Heartbeats write nothing; commits write one record per accepted partition.
  CHECK_FALSE(d.r.heartbeat({"orders", a, generation_id{1}, std::nullopt}, d.now));
  auto commit = d.take(d.r.commit_offsets(
      {"orders",
       a,
       generation_id{1},
       std::nullopt,
       {{"t", 0, log_offset{10}, "m"}, {"t", 1, log_offset{20}, std::string(5'000, 'x')}}},
      d.now));
  CHECK(commit.partition_errors[1] == errc::offset_metadata_too_large);
  REQUIRE(d.log.size() == 2);
  auto offset_key = decode_key(d.log[1].key);
  REQUIRE(offset_key);
  CHECK(std::get<offset_commit_key>(offset_key.value()) == offset_commit_key{"orders", "t", 0});
  auto offset_value = decode_offset_commit_value(*d.log[1].value);
  REQUIRE(offset_value);
  CHECK(offset_value.value().offset == log_offset{10});
  CHECK(offset_value.value().metadata == "m");
  CHECK(offset_value.value().commit_timestamp_ms == d.now);

  // Leaving empties the group: a record of the new (empty) generation.
  d.take(d.r.leave({"orders", {{a, std::nullopt}}}, d.now));
  REQUIRE(d.log.size() == 3);
  auto empty = decode_group_metadata_value(*d.log[2].value);
  REQUIRE(empty);
  CHECK(empty.value().generation == generation_id{2});
  CHECK(empty.value().members.empty());

  // Delete: a tombstone per offset, then the group's.
  CHECK_FALSE(d.take(d.r.delete_group("orders", d.now)));
  REQUIRE(d.log.size() == 5);
  CHECK_FALSE(d.log[3].value);
  CHECK_FALSE(d.log[4].value);
  CHECK(d.log[4].key == encode_key(group_metadata_key{"orders"}));
  CHECK(d.r.describe("orders").value().state == group_state::dead);
  CHECK(d.take(d.r.delete_group("orders", d.now)) == errc::group_id_not_found);
  CHECK(d.r.size() == 0);
}

TEST_CASE("the registry creates groups only for new members and standalone commits",
          "[group][registry]") {
  registry_driver d;
  CHECK(d.join(join_req("someone", range_only(), std::nullopt, "g1"))->error ==
        errc::unknown_member_id);
  CHECK(d.sync({"g1", "someone", generation_id{1}, std::nullopt, {}})->error ==
        errc::unknown_member_id);
  CHECK(d.r.heartbeat({"g1", "someone", generation_id{1}, std::nullopt}, d.now) ==
        errc::unknown_member_id);
  CHECK(d.take(d.r.commit_offsets({"g1", "someone", generation_id{3}, std::nullopt, {}}, d.now))
            .error == errc::illegal_generation);
  CHECK(d.take(d.r.leave({"g1", {{"someone", std::nullopt}}}, d.now)).member_errors[0] ==
        errc::unknown_member_id);
  CHECK(d.join(join_req("", range_only(), std::nullopt, ""))->error == errc::invalid_group_id);
  CHECK(d.r.size() == 0);

  // A refused join leaves no group behind.
  join_request bad = join_req("", range_only(), std::nullopt, "g1");
  bad.session_timeout_ms = 1;
  CHECK(d.join(bad)->error == errc::invalid_session_timeout);
  CHECK(d.r.size() == 0);

  CHECK_FALSE(
      d.take(d.r.commit_offsets(
                 {"g1", "", kNoGeneration, std::nullopt, {{"t", 0, log_offset{1}, ""}}}, d.now))
          .error);
  CHECK(d.r.size() == 1);
  CHECK(d.r.list_groups() == std::vector<group_listing>{{"g1", "", group_state::empty}});
  CHECK(d.r.fetch_offsets("g1", std::vector<topic_partition>{{"t", 0}, {"t", 1}}).value() ==
        std::vector<fetched_offset>{{{"t", 0}, committed_offset{log_offset{1}, "", d.now}},
                                    {{"t", 1}, std::nullopt}});
}

TEST_CASE("groups of another partition are refused with not_coordinator", "[group][registry]") {
  registry_config config = registry_driver::make_config();
  config.partitions_count = 4;
  config.partition = group_partition_for("mine", 4);
  registry_driver d(config);
  std::string foreign = "other-0";
  for (int i = 1; group_partition_for(foreign, 4) == config.partition; ++i)
    foreign = "other-" + std::to_string(i);
  CHECK(d.join(join_req("", range_only(), std::nullopt, foreign))->error == errc::not_coordinator);
  CHECK(d.r.describe(foreign).error() == errc::not_coordinator);
  CHECK(d.join(join_req("", range_only(), std::nullopt, "mine"))->error ==
        errc::member_id_required);

  // Rebuild skips records of foreign groups.
  group_registry other(config);
  std::vector<offsets_record> log = {
      {encode_key(offset_commit_key{foreign, "t", 0}), encode_value(offset_commit_value{})},
      {encode_key(offset_commit_key{"mine", "t", 0}), encode_value(offset_commit_value{})}};
  auto outcome = other.rebuild(log, d.now);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.summary.foreign_records == 1);
  CHECK(outcome.summary.groups == 1);
  CHECK(other.size() == 1);
}

TEST_CASE("rebuild from the log equals the incremental state", "[group][registry][rebuild]") {
  registry_driver d;
  // orders: two members, Stable, with commits.
  const std::string a = d.stable_member("orders");
  auto b_id = d.join(join_req("", range_only(), std::nullopt, "orders"))->member_id;
  CHECK_FALSE(d.join(join_req(b_id, range_only(), std::nullopt, "orders")));
  auto a_again = d.join(join_req(a, range_only(), std::nullopt, "orders"));
  REQUIRE(a_again);
  const generation_id gen = a_again->generation;
  CHECK_FALSE(d.sync({"orders", b_id, gen, std::nullopt, {}}));
  REQUIRE(d.sync({"orders", a, gen, std::nullopt, {{a, "p0"}, {b_id, "p1"}}}));
  d.take(d.r.commit_offsets({"orders", b_id, gen, std::nullopt, {{"t", 1, log_offset{5}, "x"}}},
                            d.now));
  d.take(d.r.commit_offsets({"orders", b_id, gen, std::nullopt, {{"t", 1, log_offset{6}, "y"}}},
                            d.now));
  // standalone: offsets only.
  d.take(d.r.commit_offsets(
      {"standalone", "", kNoGeneration, std::nullopt, {{"t", 0, log_offset{1}, ""}}}, d.now));
  // gone: members came and went, nothing committed (forgotten, with a tombstone).
  const std::string g = d.stable_member("gone");
  d.take(d.r.leave({"gone", {{g, std::nullopt}}}, d.now));
  CHECK(d.r.describe("gone").value().state == group_state::dead);
  // deleted: commits, then DeleteGroups.
  d.take(d.r.commit_offsets(
      {"deleted", "", kNoGeneration, std::nullopt, {{"t", 0, log_offset{1}, ""}}}, d.now));
  CHECK_FALSE(d.take(d.r.delete_group("deleted", d.now)));
  // static: its member restarted without a rebalance (the new id was written).
  d.stable_member("static", "i-1");
  auto restarted = d.join(join_req("", range_only(), "i-1", "static"));
  REQUIRE(restarted);
  REQUIRE_FALSE(restarted->error);
  // empty: had a generation, now Empty with an offset.
  const std::string e = d.stable_member("empty");
  d.take(d.r.commit_offsets(
      {"empty", e, generation_id{1}, std::nullopt, {{"t", 9, log_offset{90}, ""}}}, d.now));
  d.take(d.r.leave({"empty", {{e, std::nullopt}}}, d.now));

  check_rebuild(d.r, d.log, d.now);

  group_registry rebuilt(registry_driver::make_config());
  REQUIRE_FALSE(rebuilt.rebuild(d.log, d.now).error);
  CHECK(rebuilt.describe("static").value().members.at(0).member_id == restarted->member_id);
  CHECK(rebuilt.describe("empty").value().generation == generation_id{2});
  // The restored group carries on: members heartbeat and commit in their generation.
  CHECK_FALSE(rebuilt.heartbeat({"orders", b_id, gen, std::nullopt}, d.now + 1));
  CHECK_FALSE(rebuilt
                  .commit_offsets({"orders", a, gen, std::nullopt, {{"t", 0, log_offset{3}, ""}}},
                                  d.now + 1)
                  .response.error);
  // Sessions restart at the rebuild: silent members expire one session later.
  CHECK(rebuilt.next_deadline() == d.now + kSessionMs);
  auto expired = rebuilt.expire(d.now + kSessionMs + 1);
  CHECK(rebuilt.describe("orders").value().state == group_state::empty);
  CHECK_FALSE(expired.records.empty());
}

TEST_CASE("rebuild stops at the first record that does not decode", "[group][registry][rebuild]") {
  group_registry r(registry_driver::make_config());
  std::vector<offsets_record> log = {
      {encode_key(offset_commit_key{"g", "t", 0}), encode_value(offset_commit_value{})},
      {encode_key(group_metadata_key{"g"}), std::string("\x00\x03\x00", 3)},
  };
  auto outcome = r.rebuild(log, 0);
  CHECK(outcome.error == errc::record_truncated);
  CHECK(outcome.record_index == 1);
  CHECK(r.size() == 0);
  // The registry can still be built from good records.
  log.pop_back();
  CHECK_FALSE(r.rebuild(log, 0).error);
  CHECK(r.size() == 1);
}

namespace {

// A simulated consumer: it follows the protocol (join, sync, heartbeat, commit) and reacts to
// every answer as a Kafka client would, so groups really reach Stable with several members.
struct sim_client {
  std::string group_id;
  std::optional<std::string> instance;
  std::string member_id;
  generation_id generation = kNoGeneration;
  enum class phase { join, sync, steady } next = phase::join;
  std::optional<std::uint64_t> held;  // the token of its held join or sync
  std::vector<std::string> members;   // from its join answer, when it leads
  bool skip_assignment = false;
  std::vector<protocol> protocols = range_only();
  std::string assignment;

  void rejoin(bool forget_id) {
    if (forget_id) member_id.clear();
    next = phase::join;
    held.reset();
  }

  void on_join(const join_response& r) {
    if (r.error == errc::member_id_required) {
      member_id = r.member_id;
      generation = kNoGeneration;  // a new member (perhaps of a recreated group)
      next = phase::join;
      return;
    }
    if (r.error) {
      rejoin(r.error == errc::unknown_member_id || r.error == errc::fenced_instance_id);
      return;
    }
    member_id = r.member_id;
    generation = r.generation;
    members = member_ids(r.members);
    skip_assignment = r.skip_assignment;
    CHECK((members.empty() || r.leader_id == member_id));
    next = phase::sync;
  }

  void on_sync(const sync_response& r) {
    if (r.error) {
      rejoin(r.error == errc::unknown_member_id || r.error == errc::fenced_instance_id);
      return;
    }
    assignment = r.assignment;
    next = phase::steady;
  }
};

}  // namespace

TEST_CASE("random operations keep every invariant and rebuild to the same state",
          "[group][registry][rebuild]") {
  // Simulated consumers of three groups follow the protocol, with random crashes, restarts,
  // silences, leaves, subscription changes, zombie commits and deletes, on a random clock. Each
  // group asserts its own invariants after every call; here: every held request is answered
  // exactly once, an answered sync matches the group's record of the assignment, expire() never
  // leaves a deadline in the past, and at checkpoints the log rebuilds to the live state.
  std::mt19937_64 prng(Catch::rngSeed());
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(prng() % n); };
  std::size_t stable_members_seen = 0;
  for (int run = 0; run < 12; ++run) {
    registry_driver d;
    std::vector<sim_client> clients;
    const std::vector<std::string> groups = {"alpha", "beta", "gamma"};
    for (int i = 0; i < 9; ++i) {
      sim_client c;
      c.group_id = groups[static_cast<std::size_t>(i) % groups.size()];
      if (i % 3 == 0) c.instance = "instance-" + std::to_string(i);
      clients.push_back(c);
    }
    auto deliver = [&] {
      for (completion& done : d.answered) {
        for (sim_client& c : clients) {
          if (c.held != done.token.value()) continue;
          c.held.reset();
          if (auto* j = std::get_if<join_response>(&done.response)) c.on_join(*j);
          if (auto* s = std::get_if<sync_response>(&done.response)) c.on_sync(*s);
        }
      }
      d.answered.clear();
    };
    auto act = [&](sim_client& c) {
      if (c.held) {
        d.r.heartbeat({c.group_id, c.member_id, c.generation, c.instance}, d.now);
        return;
      }
      switch (c.next) {
        case sim_client::phase::join: {
          auto r = d.join(join_req(c.member_id, c.protocols, c.instance, c.group_id));
          if (r) {
            c.on_join(*r);
          } else {
            c.held = d.last_token;
          }
          break;
        }
        case sim_client::phase::sync: {
          std::vector<member_assignment> plan;
          if (!c.skip_assignment) {
            for (const std::string& m : c.members)
              plan.push_back({m, "part-" + std::to_string(pick(100))});
          }
          auto r = d.sync({c.group_id, c.member_id, c.generation, c.instance, plan});
          if (r) {
            c.on_sync(*r);
          } else {
            c.held = d.last_token;
          }
          if (c.next == sim_client::phase::steady) {
            // What the member was told is what the group holds for it.
            auto desc = d.r.describe(c.group_id).value();
            for (const member_description& m : desc.members)
              if (m.member_id == c.member_id) CHECK(m.assignment == c.assignment);
          }
          break;
        }
        case sim_client::phase::steady: {
          std::error_code e =
              d.r.heartbeat({c.group_id, c.member_id, c.generation, c.instance}, d.now);
          if (e) c.rejoin(e == errc::unknown_member_id || e == errc::fenced_instance_id);
          if (!e && pick(3) == 0) {
            auto committed = d.take(
                d.r.commit_offsets({c.group_id,
                                    c.member_id,
                                    c.generation,
                                    c.instance,
                                    {{"t", static_cast<std::int32_t>(pick(3)),
                                      log_offset{static_cast<std::int64_t>(pick(1000))}, ""}}},
                                   d.now));
            CHECK_FALSE(committed.error);
          }
          break;
        }
      }
    };
    auto chaos = [&](sim_client& c) {
      switch (pick(7)) {
        case 0:  // leaves politely
          if (!c.member_id.empty())
            d.take(d.r.leave({c.group_id, {{c.member_id, c.instance}}}, d.now));
          c.rejoin(true);
          break;
        case 1:  // crashes and restarts: a static member comes back under its instance id
          c.rejoin(true);
          break;
        case 2:  // a new subscription
          c.protocols = {{"range", "v" + std::to_string(pick(3))}};
          c.rejoin(false);
          break;
        case 3: {  // a zombie thread commits with an older generation
          // (Without a member id and generation it would be a standalone commit instead.)
          if (c.member_id.empty() || c.generation.value() < 1) break;
          auto r = d.take(d.r.commit_offsets({c.group_id,
                                              c.member_id,
                                              c.generation - 1,
                                              c.instance,
                                              {{"t", 0, log_offset{1}, ""}}},
                                             d.now));
          INFO("member " << c.member_id << " generation " << c.generation.value() << " group "
                         << to_string(d.r.describe(c.group_id).value().state) << " generation "
                         << d.r.describe(c.group_id).value().generation.value());
          CHECK(r.error);
          break;
        }
        case 4:  // a standalone tool commits, or resets, or deletes the group
          if (pick(2) == 0) {
            d.take(d.r.commit_offsets(
                {c.group_id, "", kNoGeneration, std::nullopt, {{"u", 0, log_offset{7}, ""}}},
                d.now));
          } else if (pick(2) == 0) {
            d.take(d.r.reset_offsets(c.group_id, {{"t", 1, log_offset{0}, ""}}, d.now));
          } else {
            d.take(d.r.delete_group(c.group_id, d.now));
          }
          break;
        case 5:  // a long pause (a GC, a slow poll loop)
          d.now += static_cast<std::int64_t>(pick(40'000));
          break;
        default:  // goes silent for a while: simply does nothing
          break;
      }
    };
    for (int step = 0; step < 1'500; ++step) {
      sim_client& c = clients[pick(clients.size())];
      if (pick(100) < 85) {
        act(c);
      } else {
        chaos(c);
      }
      deliver();
      d.now += static_cast<std::int64_t>(pick(400));
      auto next = d.take(d.r.expire(d.now));
      if (next) CHECK(*next > d.now);
      deliver();
      if (step % 100 == 99) {
        check_rebuild(d.r, d.log, d.now);
        for (const group_listing& l : d.r.list_groups())
          if (l.state == group_state::stable)
            stable_members_seen += d.r.describe(l.group_id).value().members.size();
      }
    }
    // Run the clock out: every held request is answered, every group comes to rest.
    for (int i = 0; i < 10; ++i) {
      d.now += kRebalanceMs + kSessionMs;
      d.take(d.r.expire(d.now));
      deliver();
    }
    CHECK(d.held.empty());
    check_rebuild(d.r, d.log, d.now);
  }
  // The walk really reached Stable groups with several members.
  CHECK(stable_members_seen > 100);
}
