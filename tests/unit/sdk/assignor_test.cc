#include "sdk/group/assignor.h"

#include <catch2/catch.hpp>
#include <random>
#include <set>

using namespace cairn::sdk;

namespace {

using partition_list = std::vector<topic_partition>;
using topic_counts = std::map<std::string, std::int32_t>;

member_subscription member(std::string id, std::vector<std::string> topics,
                           partition_list owned = {}, std::int32_t generation = -1,
                           std::optional<std::string> instance_id = std::nullopt) {
  return {std::move(id), std::move(instance_id), std::move(topics), std::move(owned), generation};
}

topic_partition tp(std::string topic, std::int32_t partition) {
  return {std::move(topic), partition};
}

bool subscribes(const member_subscription& m, const std::string& topic) {
  return std::find(m.topics.begin(), m.topics.end(), topic) != m.topics.end();
}

// The shared contract (assignor.h): exactly the members as keys, sorted lists, every partition to
// a subscriber of its topic that exists, and to one member at most.
void check_valid(const std::vector<member_subscription>& members, const topic_counts& counts,
                 const assignment_map& assignment) {
  REQUIRE(assignment.size() == members.size());
  std::set<topic_partition> seen;
  for (const auto& m : members) {
    auto it = assignment.find(m.member_id);
    REQUIRE(it != assignment.end());
    const auto& list = it->second;
    CHECK(std::is_sorted(list.begin(), list.end()));
    for (const auto& p : list) {
      INFO(m.member_id << " got " << p.topic << "/" << p.partition);
      CHECK(subscribes(m, p.topic));
      auto count = counts.find(p.topic);
      REQUIRE(count != counts.end());
      CHECK(p.partition >= 0);
      CHECK(p.partition < count->second);
      CHECK(seen.insert(p).second);  // nobody else has it
    }
  }
}

// Every partition of a topic someone subscribes to is assigned (check_valid: exactly once).
void check_complete(const std::vector<member_subscription>& members, const topic_counts& counts,
                    const assignment_map& assignment) {
  std::set<std::string> subscribed;
  for (const auto& m : members) {
    subscribed.insert(m.topics.begin(), m.topics.end());
  }
  std::size_t expected = 0;
  for (const auto& topic : subscribed) {
    auto count = counts.find(topic);
    if (count != counts.end() && count->second > 0) expected += count->second;
  }
  std::size_t assigned = 0;
  for (const auto& [id, list] : assignment) {
    assigned += list.size();
  }
  CHECK(assigned == expected);
}

// Balance as cooperative-sticky and round-robin promise it: no partition sits on a member with
// two more than another subscriber of its topic.
void check_balanced(const std::vector<member_subscription>& members,
                    const assignment_map& assignment) {
  for (const auto& m : members) {
    for (const auto& p : assignment.at(m.member_id)) {
      for (const auto& other : members) {
        if (!subscribes(other, p.topic)) continue;
        INFO(p.topic << "/" << p.partition << " on " << m.member_id << " vs " << other.member_id);
        CHECK(assignment.at(other.member_id).size() + 1 >= assignment.at(m.member_id).size());
      }
    }
  }
}

std::size_t total(const assignment_map& assignment) {
  std::size_t n = 0;
  for (const auto& [id, list] : assignment) {
    n += list.size();
  }
  return n;
}

bool contains_all(const partition_list& big, const partition_list& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

// The next round's members: each one owns what it was just given, in the next generation.
std::vector<member_subscription> after(std::vector<member_subscription> members,
                                       const assignment_map& assignment, std::int32_t generation) {
  for (auto& m : members) {
    m.owned = assignment.at(m.member_id);
    m.generation = generation;
  }
  return members;
}

}  // namespace

TEST_CASE("range assignor gives each member contiguous ranges and the first ones the extra",
          "[sdk][assignor]") {
  // Kafka's RangeAssignor documentation: C0 and C1 both subscribe to t0 and t1 of 3 partitions.
  std::vector<member_subscription> members{member("C0", {"t0", "t1"}), member("C1", {"t0", "t1"})};
  topic_counts counts{{"t0", 3}, {"t1", 3}};
  auto a = assign_range(members, counts);
  check_valid(members, counts, a);
  CHECK(a["C0"] == partition_list{tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)});
  CHECK(a["C1"] == partition_list{tp("t0", 2), tp("t1", 2)});

  // 7 partitions over 3 members: 3 + 2 + 2.
  std::vector<member_subscription> three{member("a", {"t"}), member("b", {"t"}),
                                         member("c", {"t"})};
  auto b = assign_range(three, {{"t", 7}});
  CHECK(b["a"] == partition_list{tp("t", 0), tp("t", 1), tp("t", 2)});
  CHECK(b["b"] == partition_list{tp("t", 3), tp("t", 4)});
  CHECK(b["c"] == partition_list{tp("t", 5), tp("t", 6)});
}

TEST_CASE("range assignor orders static members by instance id ahead of dynamic ones",
          "[sdk][assignor]") {
  // Member ids alone would give m1 the first range. Static members come first in instance id
  // order (m3 "alpha", then m1 "zulu"), dynamic ones after them by member id.
  std::vector<member_subscription> members{member("m2", {"t"}), member("m1", {"t"}, {}, -1, "zulu"),
                                           member("m3", {"t"}, {}, -1, "alpha")};
  auto a = assign_range(members, {{"t", 5}});
  CHECK(a["m3"] == partition_list{tp("t", 0), tp("t", 1)});
  CHECK(a["m1"] == partition_list{tp("t", 2), tp("t", 3)});
  CHECK(a["m2"] == partition_list{tp("t", 4)});
}

TEST_CASE("range assignor splits each topic among that topic's subscribers only",
          "[sdk][assignor]") {
  std::vector<member_subscription> members{member("C0", {"t0"}), member("C1", {"t0", "t1"}),
                                           member("C2", {"t1"})};
  topic_counts counts{{"t0", 3}, {"t1", 2}};
  auto a = assign_range(members, counts);
  check_valid(members, counts, a);
  check_complete(members, counts, a);
  CHECK(a["C0"] == partition_list{tp("t0", 0), tp("t0", 1)});
  CHECK(a["C1"] == partition_list{tp("t0", 2), tp("t1", 0)});
  CHECK(a["C2"] == partition_list{tp("t1", 1)});
}

TEST_CASE("round-robin assignor deals all partitions over one ring of members", "[sdk][assignor]") {
  // Kafka's RoundRobinAssignor documentation, first example.
  std::vector<member_subscription> members{member("C1", {"t0", "t1"}), member("C0", {"t0", "t1"})};
  topic_counts counts{{"t0", 3}, {"t1", 3}};
  auto a = assign_round_robin(members, counts);
  check_valid(members, counts, a);
  CHECK(a["C0"] == partition_list{tp("t0", 0), tp("t0", 2), tp("t1", 1)});
  CHECK(a["C1"] == partition_list{tp("t0", 1), tp("t1", 0), tp("t1", 2)});
}

TEST_CASE("round-robin assignor passes over members not subscribed to the topic",
          "[sdk][assignor]") {
  // Kafka's RoundRobinAssignor documentation, second example: C0 has t0; C1 has t0 and t1; C2
  // has t0, t1 and t2; the topics have 1, 2 and 3 partitions.
  std::vector<member_subscription> members{member("C0", {"t0"}), member("C1", {"t0", "t1"}),
                                           member("C2", {"t0", "t1", "t2"})};
  topic_counts counts{{"t0", 1}, {"t1", 2}, {"t2", 3}};
  auto a = assign_round_robin(members, counts);
  check_valid(members, counts, a);
  check_complete(members, counts, a);
  CHECK(a["C0"] == partition_list{tp("t0", 0)});
  CHECK(a["C1"] == partition_list{tp("t1", 0)});
  CHECK(a["C2"] == partition_list{tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2)});
}

TEST_CASE("every assignor lists every member and skips unknown or empty topics",
          "[sdk][assignor]") {
  std::vector<member_subscription> members{
      member("a", {"t", "gone", "t"}),  // a topic twice, and one the metadata does not know
      member("b", {}),                  // subscribes to nothing
      member("c", {"empty"}),           // a topic with no partitions
      member("d", {"t"}, {tp("t", 99), tp("gone", 0), tp("t", -1)}, 3)};  // bogus claims
  topic_counts counts{{"t", 4}, {"empty", 0}, {"other", 2}};
  for (std::string_view name : {"range", "roundrobin", "cooperative-sticky"}) {
    INFO(name);
    auto a = find_assignor(name)->assign(members, counts);
    check_valid(members, counts, a);
    CHECK(a["b"].empty());
    CHECK(a["c"].empty());
    CHECK(a["a"].size() == 2);
    CHECK(a["d"].size() == 2);
    CHECK(total(a) == 4);
  }
  for (std::string_view name : {"range", "roundrobin", "cooperative-sticky"}) {
    CHECK(find_assignor(name)->assign({}, counts).empty());
  }
}

TEST_CASE("find_assignor knows the three Kafka protocol names and nothing else",
          "[sdk][assignor]") {
  auto range = find_assignor("range");
  REQUIRE(range);
  CHECK(range->name == "range");
  CHECK(range->protocol == rebalance_protocol::eager);
  CHECK(range->assign == &assign_range);
  auto rr = find_assignor("roundrobin");
  REQUIRE(rr);
  CHECK(rr->protocol == rebalance_protocol::eager);
  CHECK(rr->assign == &assign_round_robin);
  auto sticky = find_assignor("cooperative-sticky");
  REQUIRE(sticky);
  CHECK(sticky->protocol == rebalance_protocol::cooperative);
  CHECK(sticky->assign == &assign_cooperative_sticky);
  CHECK_FALSE(find_assignor("sticky"));  // Kafka's eager StickyAssignor: not implemented
  CHECK_FALSE(find_assignor("Range"));
  CHECK_FALSE(find_assignor(""));
}

TEST_CASE("every assignor gives each partition to exactly one subscriber in random groups",
          "[sdk][assignor]") {
  std::mt19937_64 prng(20240611);  // fixed: a failure replays
  struct shape {
    int members;
    int topics;
    int partitions_max;
  };
  std::vector<shape> shapes{{10, 1, 60}, {1, 3, 5}, {3, 1, 1}, {7, 4, 9}, {12, 6, 20}};
  for (int i = 0; i < 60; ++i) {
    shapes.push_back({1 + static_cast<int>(prng() % 12), 1 + static_cast<int>(prng() % 6),
                      1 + static_cast<int>(prng() % 16)});
  }
  for (const auto& s : shapes) {
    topic_counts counts;
    for (int t = 0; t < s.topics; ++t) {
      // The first shape is exactly 10 members over 60 partitions.
      counts["t" + std::to_string(t)] =
          s.partitions_max == 60 ? 60 : 1 + static_cast<int>(prng() % s.partitions_max);
    }
    // Equal subscriptions, or a random subset each; 10 x 60 always equal.
    const bool ten_by_sixty = &s == &shapes.front();
    const bool equal = ten_by_sixty || prng() % 2 == 0;
    std::vector<member_subscription> members;
    for (int m = 0; m < s.members; ++m) {
      std::vector<std::string> topics;
      for (const auto& [topic, n] : counts) {
        if (equal || prng() % 2 == 0) topics.push_back(topic);
      }
      members.push_back(member("member-" + std::to_string(m), topics));
    }
    INFO(s.members << " members over " << s.topics << " topics, equal " << equal);

    auto range = assign_range(members, counts);
    check_valid(members, counts, range);
    check_complete(members, counts, range);
    // Range is balanced per topic: a topic's subscribers differ by one of its partitions at most.
    // Not a structured binding: clang 14 lambdas cannot capture those.
    for (const auto& entry : counts) {
      const std::string& topic = entry.first;
      std::vector<std::size_t> per_member;
      for (const auto& m : members) {
        if (!subscribes(m, topic)) continue;
        const auto& list = range.at(m.member_id);
        per_member.push_back(std::count_if(list.begin(), list.end(),
                                           [&](const auto& p) { return p.topic == topic; }));
      }
      if (per_member.empty()) continue;
      auto [lo, hi] = std::minmax_element(per_member.begin(), per_member.end());
      CHECK(*hi - *lo <= 1);
    }

    auto rr = assign_round_robin(members, counts);
    check_valid(members, counts, rr);
    check_complete(members, counts, rr);
    if (equal) check_balanced(members, rr);

    auto sticky = assign_cooperative_sticky(members, counts);  // nobody owns anything yet
    check_valid(members, counts, sticky);
    check_complete(members, counts, sticky);
    check_balanced(members, sticky);
    CHECK_FALSE(needs_follow_up(members, sticky));

    if (ten_by_sixty) {
      for (const auto& m : members) {
        CHECK(range.at(m.member_id).size() == 6);
        CHECK(rr.at(m.member_id).size() == 6);
        CHECK(sticky.at(m.member_id).size() == 6);
      }
    }
  }
}

TEST_CASE("cooperative-sticky assignor moves only what must move from 1 to 3 to 2 members",
          "[sdk][assignor]") {
  topic_counts counts{{"t", 6}};
  std::vector<member_subscription> group{member("A", {"t"})};
  auto first = assign_cooperative_sticky(group, counts);
  REQUIRE(first["A"].size() == 6);
  CHECK_FALSE(needs_follow_up(group, first));

  // B and C join. A must give up 4 partitions, and in this round nobody receives them: A is still
  // consuming them until it revokes.
  group = after(group, first, 1);
  group.push_back(member("B", {"t"}));
  group.push_back(member("C", {"t"}));
  auto joined = assign_cooperative_sticky(group, counts);
  check_valid(group, counts, joined);
  CHECK(joined["A"].size() == 2);
  CHECK(contains_all(first["A"], joined["A"]));
  CHECK(joined["B"].empty());
  CHECK(joined["C"].empty());
  CHECK(needs_follow_up(group, joined));

  // The follow-up round: A has revoked; the 4 free partitions go out, A keeps its 2.
  group = after(group, joined, 2);
  auto settled = assign_cooperative_sticky(group, counts);
  check_valid(group, counts, settled);
  check_complete(group, counts, settled);
  CHECK(settled["A"] == joined["A"]);
  CHECK(settled["B"].size() == 2);
  CHECK(settled["C"].size() == 2);
  CHECK_FALSE(needs_follow_up(group, settled));

  // C leaves. Its partitions are nobody's now, so they go out at once; A and B keep theirs.
  group = after(group, settled, 3);
  group.erase(group.begin() + 2);
  REQUIRE(group.back().member_id == "B");
  auto left = assign_cooperative_sticky(group, counts);
  check_valid(group, counts, left);
  check_complete(group, counts, left);
  CHECK(left["A"].size() == 3);
  CHECK(left["B"].size() == 3);
  CHECK(contains_all(left["A"], settled["A"]));
  CHECK(contains_all(left["B"], settled["B"]));
  CHECK_FALSE(needs_follow_up(group, left));
}

TEST_CASE("cooperative-sticky assignor keeps everything of the members that stay",
          "[sdk][assignor]") {
  // Kafka's StickyAssignor documentation: C0, C1, C2 on t0..t3 of 2 partitions each; C1 leaves.
  // C0 and C2 keep all they had and take C1's partitions, 4 each.
  topic_counts counts{{"t0", 2}, {"t1", 2}, {"t2", 2}, {"t3", 2}};
  std::vector<std::string> all{"t0", "t1", "t2", "t3"};
  partition_list c0{tp("t0", 0), tp("t1", 1), tp("t3", 0)};
  partition_list c2{tp("t1", 0), tp("t2", 1)};
  std::vector<member_subscription> group{member("C0", all, c0, 4), member("C2", all, c2, 4)};
  auto a = assign_cooperative_sticky(group, counts);
  check_valid(group, counts, a);
  check_complete(group, counts, a);
  CHECK(a["C0"].size() == 4);
  CHECK(a["C2"].size() == 4);
  CHECK(contains_all(a["C0"], c0));
  CHECK(contains_all(a["C2"], c2));
  CHECK_FALSE(needs_follow_up(group, a));
}

TEST_CASE("cooperative-sticky assignor resolves conflicting claims by generation",
          "[sdk][assignor]") {
  topic_counts counts{{"t", 4}};

  SECTION("the higher generation keeps it and the stale claim is dropped") {
    std::vector<member_subscription> group{member("A", {"t"}, {tp("t", 0), tp("t", 1)}, 5),
                                           member("B", {"t"}, {tp("t", 0)}, 4)};
    auto a = assign_cooperative_sticky(group, counts);
    check_valid(group, counts, a);
    check_complete(group, counts, a);
    CHECK(a["A"] == partition_list{tp("t", 0), tp("t", 1)});
    CHECK(a["B"] == partition_list{tp("t", 2), tp("t", 3)});
    CHECK(needs_follow_up(group, a));  // B revokes its stale t/0 and rejoins, as in Kafka
  }

  SECTION("the order of the members does not matter") {
    std::vector<member_subscription> group{member("A", {"t"}, {tp("t", 0)}, 4),
                                           member("B", {"t"}, {tp("t", 0), tp("t", 1)}, 5)};
    auto a = assign_cooperative_sticky(group, counts);
    CHECK(a["B"] == partition_list{tp("t", 0), tp("t", 1)});
    CHECK(a["A"] == partition_list{tp("t", 2), tp("t", 3)});
  }

  SECTION("a tie leaves the partition with nobody until both have revoked it") {
    std::vector<member_subscription> group{member("A", {"t"}, {tp("t", 0), tp("t", 1)}, 5),
                                           member("B", {"t"}, {tp("t", 0), tp("t", 2)}, 5),
                                           member("C", {"t"})};
    auto a = assign_cooperative_sticky(group, counts);
    check_valid(group, counts, a);
    for (const auto& [id, list] : a) {
      INFO(id);
      CHECK(std::find(list.begin(), list.end(), tp("t", 0)) == list.end());
    }
    CHECK(contains_all(a["A"], {tp("t", 1)}));
    CHECK(contains_all(a["B"], {tp("t", 2)}));
    CHECK(total(a) == 3);
    CHECK(needs_follow_up(group, a));

    group = after(group, a, 6);
    auto next = assign_cooperative_sticky(group, counts);
    check_valid(group, counts, next);
    check_complete(group, counts, next);
    check_balanced(group, next);
    CHECK_FALSE(needs_follow_up(group, next));
  }
}

TEST_CASE("cooperative-sticky assignor withholds a partition whose owner dropped its topic",
          "[sdk][assignor]") {
  topic_counts counts{{"t", 2}, {"u", 1}};
  // A owned u/0 but now subscribes to t only; B newly subscribes to u.
  std::vector<member_subscription> group{
      member("A", {"t"}, {tp("t", 0), tp("t", 1), tp("u", 0)}, 2), member("B", {"t", "u"}, {}, 2)};
  auto a = assign_cooperative_sticky(group, counts);
  check_valid(group, counts, a);
  CHECK(a["A"] == partition_list{tp("t", 0), tp("t", 1)});  // 2 against 1 is balanced
  CHECK(a["B"].empty());
  CHECK(needs_follow_up(group, a));

  group = after(group, a, 3);
  auto next = assign_cooperative_sticky(group, counts);
  CHECK(next["A"] == partition_list{tp("t", 0), tp("t", 1)});
  CHECK(next["B"] == partition_list{tp("u", 0)});
  CHECK_FALSE(needs_follow_up(group, next));
}

TEST_CASE("cooperative-sticky assignor converges safely through random membership changes",
          "[sdk][assignor]") {
  std::mt19937_64 prng(7013);
  for (int run = 0; run < 40; ++run) {
    topic_counts counts;
    const int topics = 1 + static_cast<int>(prng() % 4);
    for (int t = 0; t < topics; ++t) {
      counts["t" + std::to_string(t)] = 1 + static_cast<int>(prng() % 24);
    }
    const bool equal = run % 2 == 0;
    auto random_topics = [&] {
      std::vector<std::string> out;
      for (const auto& [topic, n] : counts) {
        if (equal || prng() % 3 != 0) out.push_back(topic);
      }
      return out;
    };
    std::vector<member_subscription> group;
    int next_id = 0;
    std::int32_t generation = 0;
    assignment_map current;
    for (int change = 0; change < 8; ++change) {
      // Someone joins or leaves (never below one member); everyone else owns what they had.
      if (group.empty() || (group.size() < 10 && prng() % 2 == 0)) {
        group.push_back(member("m" + std::to_string(next_id++), random_topics(), {}, -1));
      } else if (group.size() > 1) {
        group.erase(group.begin() + static_cast<long>(prng() % group.size()));
      }
      INFO("run " << run << " change " << change << " members " << group.size());
      int rounds = 0;
      for (;; ++rounds) {
        REQUIRE(rounds < 4);  // a follow-up or two, not an endless rebalance
        auto a = assign_cooperative_sticky(group, counts);
        check_valid(group, counts, a);
        // Cooperative safety: nobody gets a partition another member still owns.
        for (const auto& m : group) {
          for (const auto& p : a.at(m.member_id)) {
            for (const auto& other : group) {
              if (other.member_id == m.member_id) continue;
              CHECK(std::find(other.owned.begin(), other.owned.end(), p) == other.owned.end());
            }
          }
        }
        // Stickiness: with equal subscriptions a member keeps at least as many of its own as the
        // smaller balanced share.
        if (equal) {
          std::size_t partitions = 0;
          for (const auto& [topic, n] : counts) {
            partitions += n;
          }
          const std::size_t share_min = partitions / group.size();
          for (const auto& m : group) {
            partition_list kept;
            std::set_intersection(m.owned.begin(), m.owned.end(), a.at(m.member_id).begin(),
                                  a.at(m.member_id).end(), std::back_inserter(kept));
            CHECK(kept.size() >= std::min(m.owned.size(), share_min));
          }
        }
        const bool again = needs_follow_up(group, a);
        group = after(group, a, ++generation);
        current = a;
        if (!again) break;
      }
      check_complete(group, counts, current);
      check_balanced(group, current);
    }
  }
}
