// Kafka's cooperative-sticky assignor (KIP-429): claims, a balanced target that keeps what it
// can, and cooperative withholding of whatever changes hands (see assignor.h for the rules).
#include <limits>
#include <set>

#include "cairn/base/assert.h"
#include "sdk/group/assignor.h"

namespace cairn::sdk {
namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

// The state of one rebalance. Members and partitions are named by index: members in member order
// (so a lower index wins ties), partitions in (topic, partition) order, each topic's partitions
// contiguous.
class sticky_balancer {
 public:
  sticky_balancer(const std::vector<member_subscription>& members,
                  const std::map<std::string, std::int32_t>& partitions_per_topic) {
    for (const auto& m : members) {
      members_.push_back(&m);
    }
    std::sort(members_.begin(), members_.end(),
              [](const member_subscription* a, const member_subscription* b) {
                return member_order_less(*a, *b);
              });
    index_partitions(partitions_per_topic);
    collect_claims();
  }

  void keep_owned() {
    for (std::size_t p = 0; p < partitions_.size(); ++p) {
      const auto& holders = holders_[p];
      if (holders.size() != 1) continue;  // unclaimed, or a tie nobody may keep
      if (!subscribes(holders[0], topic_of_[p])) continue;
      place(p, holders[0]);
    }
  }

  // Each unplaced partition to its least loaded subscriber, partitions of the topics with the
  // fewest subscribers first: they have the fewest places to go.
  void place_free() {
    std::vector<std::size_t> free;
    for (std::size_t p = 0; p < partitions_.size(); ++p) {
      if (target_[p] == none) free.push_back(p);
    }
    std::stable_sort(free.begin(), free.end(), [&](std::size_t a, std::size_t b) {
      return subscribers_[topic_of_[a]].size() < subscribers_[topic_of_[b]].size();
    });
    for (std::size_t p : free) {
      std::size_t to = least_loaded(topic_of_[p], none);
      CAIRN_ASSERT(to != none, "{} has no subscriber", partitions_[p]);
      place(p, to);
    }
  }

  // Moves single partitions from a member to a subscriber of their topic with at least two fewer,
  // until none can. Each move lowers the sum of squared counts by at least 2, which bounds the
  // loop.
  void balance() {
    const std::size_t moves_max = partitions_.size() * partitions_.size() / 2 + 1;
    for (std::size_t moves = 0;; ++moves) {
      CAIRN_ASSERT(moves <= moves_max, "balancing did not converge after {} moves", moves);
      if (!move_one()) break;
    }
    check_balanced();
  }

  assignment_map result() const {
    assignment_map out;
    for (const auto* m : members_) {
      out.try_emplace(m->member_id);
    }
    for (std::size_t p = 0; p < partitions_.size(); ++p) {
      const std::size_t to = target_[p];
      CAIRN_ASSERT(to != none, "{} was not placed", partitions_[p]);
      const auto& holders = holders_[p];
      // The cooperative rule: only a partition nobody else holds reaches its target now.
      bool withheld = !holders.empty() && (holders.size() != 1 || holders[0] != to);
      if (!withheld) out[members_[to]->member_id].push_back(partitions_[p]);
    }
    detail::sort_lists(out);
    return out;
  }

 private:
  void index_partitions(const std::map<std::string, std::int32_t>& partitions_per_topic) {
    std::set<std::string> subscribed;
    for (const auto* m : members_) {
      subscribed.insert(m->topics.begin(), m->topics.end());
    }
    for (const auto& topic : subscribed) {
      auto count = partitions_per_topic.find(topic);
      if (count == partitions_per_topic.end() || count->second <= 0) continue;
      const std::size_t t = topics_.size();
      topics_.push_back(topic);
      first_partition_.push_back(partitions_.size());
      partition_count_.push_back(count->second);
      for (std::int32_t p = 0; p < count->second; ++p) {
        partitions_.push_back({topic, p});
        topic_of_.push_back(t);
      }
    }
    subscribers_.resize(topics_.size());
    member_topics_.resize(members_.size());
    for (std::size_t i = 0; i < members_.size(); ++i) {
      for (const auto& topic :
           std::set<std::string>(members_[i]->topics.begin(), members_[i]->topics.end())) {
        std::size_t t = topic_index(topic);
        if (t == none) continue;
        subscribers_[t].push_back(i);  // in member order, as i grows
        member_topics_[i].insert(t);
      }
    }
    holders_.resize(partitions_.size());
    holder_generation_.resize(partitions_.size(), 0);
    target_.resize(partitions_.size(), none);
    counts_.resize(members_.size(), 0);
    placed_.resize(members_.size());
  }

  // Claims of partitions outside the subscribed topics (or beyond a topic's partition count) are
  // not tracked: no one is given those partitions, so they need no withholding.
  void collect_claims() {
    for (std::size_t i = 0; i < members_.size(); ++i) {
      const auto* m = members_[i];
      for (const auto& tp : m->owned) {
        std::size_t p = partition_index(tp);
        if (p == none) continue;
        auto& holders = holders_[p];
        if (holders.empty() || m->generation > holder_generation_[p]) {
          holders.assign(1, i);
          holder_generation_[p] = m->generation;
        } else if (m->generation == holder_generation_[p] &&
                   std::find(holders.begin(), holders.end(), i) == holders.end()) {
          holders.push_back(i);  // the same generation claims it twice: a tie
        }
      }
    }
  }

  std::size_t topic_index(const std::string& topic) const {
    auto it = std::lower_bound(topics_.begin(), topics_.end(), topic);
    if (it == topics_.end() || *it != topic) return none;
    return static_cast<std::size_t>(it - topics_.begin());
  }

  std::size_t partition_index(const topic_partition& tp) const {
    std::size_t t = topic_index(tp.topic);
    if (t == none || tp.partition < 0 || tp.partition >= partition_count_[t]) return none;
    return first_partition_[t] + static_cast<std::size_t>(tp.partition);
  }

  bool subscribes(std::size_t member, std::size_t topic) const {
    return member_topics_[member].contains(topic);
  }

  // The subscriber of `topic` with the fewest partitions (lowest index on a tie), other than
  // `except`; none if there is no such member.
  std::size_t least_loaded(std::size_t topic, std::size_t except) const {
    std::size_t best = none;
    for (std::size_t i : subscribers_[topic]) {
      if (i == except) continue;
      if (best == none || counts_[i] < counts_[best]) best = i;
    }
    return best;
  }

  void place(std::size_t p, std::size_t member) {
    CAIRN_DEBUG_ASSERT(subscribes(member, topic_of_[p]), "{} placed on a non-subscriber",
                       partitions_[p]);
    if (target_[p] != none) {
      --counts_[target_[p]];
      placed_[target_[p]].erase(p);
    }
    target_[p] = member;
    ++counts_[member];
    placed_[member].insert(p);
  }

  bool held_by(std::size_t p, std::size_t member) const {
    const auto& holders = holders_[p];
    return holders.size() == 1 && holders[0] == member;
  }

  // One move: a partition from the most loaded member that has one some other subscriber of its
  // topic could take with two fewer, to the least loaded such subscriber. A partition that stays
  // with its holder moves only if no merely placed one (free, or withheld anyway) can.
  bool move_one() {
    std::vector<std::size_t> by_load(members_.size());
    for (std::size_t i = 0; i < by_load.size(); ++i) {
      by_load[i] = i;
    }
    std::stable_sort(by_load.begin(), by_load.end(),
                     [&](std::size_t a, std::size_t b) { return counts_[a] > counts_[b]; });
    for (bool moving_held : {false, true}) {
      for (std::size_t from : by_load) {
        if (counts_[from] < 2) break;  // nobody has two fewer than 1
        // For each of this member's topics, where a partition of it could go.
        std::map<std::size_t, std::size_t> to_of_topic;
        for (std::size_t t : member_topics_[from]) {
          std::size_t to = least_loaded(t, from);
          if (to != none && counts_[to] + 2 <= counts_[from]) to_of_topic[t] = to;
        }
        if (to_of_topic.empty()) continue;
        // Highest partition first, so a holder keeps its lowest partitions.
        for (auto it = placed_[from].rbegin(); it != placed_[from].rend(); ++it) {
          const std::size_t p = *it;
          if (held_by(p, from) != moving_held) continue;
          auto to = to_of_topic.find(topic_of_[p]);
          if (to == to_of_topic.end()) continue;
          place(p, to->second);
          return true;
        }
      }
    }
    return false;
  }

  // What balance() promises: no partition can go to a subscriber of its topic with two fewer.
  void check_balanced() const {
    for (std::size_t p = 0; p < partitions_.size(); ++p) {
      const std::size_t on = target_[p];
      for (std::size_t i : subscribers_[topic_of_[p]]) {
        CAIRN_ASSERT(counts_[i] + 2 > counts_[on], "{} on {} ({} partitions) could go to {} ({})",
                     partitions_[p], members_[on]->member_id, counts_[on], members_[i]->member_id,
                     counts_[i]);
      }
    }
  }

  std::vector<const member_subscription*> members_;    // in member order
  std::vector<std::string> topics_;                    // subscribed topics with partitions, sorted
  std::vector<std::size_t> first_partition_;           // by topic
  std::vector<std::int32_t> partition_count_;          // by topic
  std::vector<std::vector<std::size_t>> subscribers_;  // by topic, in member order
  std::vector<std::set<std::size_t>> member_topics_;   // by member
  std::vector<topic_partition> partitions_;
  std::vector<std::size_t> topic_of_;              // by partition
  std::vector<std::vector<std::size_t>> holders_;  // by partition: its highest-generation claims
  std::vector<std::int32_t> holder_generation_;    // by partition
  std::vector<std::size_t> target_;                // by partition: member, or none
  std::vector<std::size_t> counts_;                // by member
  std::vector<std::set<std::size_t>> placed_;      // by member: its target partitions
};

}  // namespace

assignment_map assign_cooperative_sticky(
    const std::vector<member_subscription>& members,
    const std::map<std::string, std::int32_t>& partitions_per_topic) {
  // The same checks as every assignor: one entry per member, distinct ids.
  assignment_map empty = detail::empty_assignment(members);
  if (members.empty()) return empty;
  sticky_balancer balancer(members, partitions_per_topic);
  balancer.keep_owned();
  balancer.place_free();
  balancer.balance();
  return balancer.result();
}

bool needs_follow_up(const std::vector<member_subscription>& members,
                     const assignment_map& assignment) {
  for (const auto& m : members) {
    auto it = assignment.find(m.member_id);
    for (const auto& tp : m.owned) {
      if (it == assignment.end()) return true;  // a member left out loses everything
      const auto& now = it->second;
      if (std::find(now.begin(), now.end(), tp) == now.end()) return true;
    }
  }
  return false;
}

}  // namespace cairn::sdk
