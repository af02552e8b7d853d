#include "sdk/group/rebalance_plan.h"

#include <catch2/catch.hpp>
#include <set>

#include "sdk/group/leader_assignment.h"
#include "sdk/group/membership_codec.h"

using namespace cairn::sdk;

namespace {

topic_partition tp(std::string topic, std::int32_t partition) {
  return {std::move(topic), partition};
}

using list = std::vector<topic_partition>;

}  // namespace

TEST_CASE("revoke_before_join: eager revokes all and cooperative only unsubscribed topics",
          "[group][rebalance_plan]") {
  list owned{tp("b", 1), tp("a", 0), tp("a", 1)};
  CHECK(revoke_before_join(rebalance_protocol::eager, owned, {"a", "b"}) ==
        list{tp("a", 0), tp("a", 1), tp("b", 1)});
  CHECK(revoke_before_join(rebalance_protocol::cooperative, owned, {"a", "b"}).empty());
  CHECK(revoke_before_join(rebalance_protocol::cooperative, owned, {"a"}) == list{tp("b", 1)});
  CHECK(revoke_before_join(rebalance_protocol::eager, {}, {"a"}).empty());
}

TEST_CASE("apply_assignment splits into revoked, added and kept", "[group][rebalance_plan]") {
  list owned{tp("a", 0), tp("a", 1), tp("a", 2)};
  list assigned{tp("a", 2), tp("a", 0), tp("a", 3)};
  auto coop = apply_assignment(rebalance_protocol::cooperative, owned, assigned);
  CHECK(coop.revoked == list{tp("a", 1)});
  CHECK(coop.added == list{tp("a", 3)});
  CHECK(coop.kept == list{tp("a", 0), tp("a", 2)});
  CHECK(coop.rejoin);  // what it released must reach its new owner in a follow-up

  auto eager = apply_assignment(rebalance_protocol::eager, {}, assigned);
  CHECK(eager.revoked.empty());
  CHECK(eager.added == list{tp("a", 0), tp("a", 2), tp("a", 3)});
  CHECK_FALSE(eager.rejoin);

  auto nothing_moved = apply_assignment(rebalance_protocol::cooperative, owned, owned);
  CHECK(nothing_moved.revoked.empty());
  CHECK(nothing_moved.added.empty());
  CHECK_FALSE(nothing_moved.rejoin);
}

namespace {

// A group of cooperative-sticky members driven through rebalances by the pure functions alone,
// as the members' poll loops and the leader would: each round every member sends its owned
// partitions, the leader assigns, each member applies its assignment (revoking what moved) and
// the group rebalances again while anyone revoked something.
struct simulated_group {
  std::map<std::string, list> owned;  // member -> owned partitions
  std::int32_t generation = 0;
  std::map<std::string, std::int32_t> counts{{"t", 6}};
  std::vector<std::pair<std::string, list>> revocations;  // every on_revoked, in order

  // One rebalance; returns whether a follow-up is due.
  bool rebalance_once() {
    std::vector<joined_member> joined;
    for (const auto& [id, parts] : owned) {
      auto bytes = encode_subscription(
          {.topics = {"t"}, .owned = parts, .generation = generation, .user_data = {}});
      REQUIRE(bytes);
      joined.push_back({id, std::nullopt, bytes.value()});
    }
    auto members = decode_members(joined);
    REQUIRE(members);
    auto chosen = find_assignor("cooperative-sticky");
    REQUIRE(chosen);
    auto result = compute_assignment(*chosen, members.value(), counts);
    REQUIRE(result);
    ++generation;
    bool rejoin = result.value().follow_up;
    for (auto& [id, parts] : owned) {
      auto decoded = decode_assignment(result.value().encoded.at(id));
      REQUIRE(decoded);
      auto change =
          apply_assignment(rebalance_protocol::cooperative, parts, decoded.value().partitions);
      if (!change.revoked.empty()) revocations.emplace_back(id, change.revoked);
      rejoin = rejoin || change.rejoin;
      parts = decoded.value().partitions;
    }
    check_no_overlap();
    return rejoin;
  }

  // Rebalances until nobody has to rejoin (bounded: cooperative needs at most two rounds).
  int settle() {
    int rounds = 1;
    while (rebalance_once()) {
      ++rounds;
      REQUIRE(rounds <= 3);
    }
    return rounds;
  }

  void check_no_overlap() const {
    std::set<topic_partition> seen;
    for (const auto& [id, parts] : owned) {
      for (const auto& p : parts)
        CHECK(seen.insert(p).second);
    }
  }

  void check_complete() const {
    std::set<topic_partition> seen;
    for (const auto& [id, parts] : owned)
      seen.insert(parts.begin(), parts.end());
    CHECK(seen.size() == 6);
  }
};

}  // namespace

TEST_CASE("cooperative-sticky 1 to 3 to 2 members: no partition owned twice and minimal moves",
          "[group][rebalance_plan]") {
  simulated_group g;
  g.owned["a"] = {};
  CHECK(g.settle() == 1);
  g.check_complete();
  CHECK(g.owned["a"].size() == 6);

  g.owned["b"] = {};
  g.owned["c"] = {};
  CHECK(g.settle() == 2);  // a revokes four, the follow-up hands them on
  g.check_complete();
  for (const auto& [id, parts] : g.owned)
    CHECK(parts.size() == 2);
  REQUIRE(g.revocations.size() == 1);
  CHECK(g.revocations[0].first == "a");
  CHECK(g.revocations[0].second.size() == 4);  // exactly what had to move

  auto before = g.owned;
  g.revocations.clear();
  g.owned.erase("c");
  CHECK(g.settle() == 1);  // c's partitions were free: nobody revokes
  g.check_complete();
  CHECK(g.revocations.empty());
  for (const auto& id : {"a", "b"}) {
    CHECK(g.owned[id].size() == 3);
    for (const auto& p : before[id])  // a and b keep everything they had
      CHECK(std::find(g.owned[id].begin(), g.owned[id].end(), p) != g.owned[id].end());
  }
}
