// Seeded generators of valid Raft messages and leaderships (every kind, every field varied), and
// a printer that shows every field, so round trips compare whole values with readable failures.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "broker/peer/raft_codec.h"

namespace cairn::peer::testing {

class message_generator {
 public:
  explicit message_generator(std::uint64_t seed) : rng_(seed) {}

  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool coin() { return uniform(0, 1) == 1; }

  std::string bytes(std::size_t min, std::size_t max) {
    std::string out(static_cast<std::size_t>(
                        uniform(static_cast<std::int64_t>(min), static_cast<std::int64_t>(max))),
                    '\0');
    for (char& c : out)
      c = static_cast<char>(uniform(0, 255));
    return out;
  }

  raft::group_id group() {
    static const char* topics[] = {"orders", "__cluster_metadata", "payments.v1", "a", "x-y_z"};
    return {topics[uniform(0, 4)], static_cast<std::int32_t>(uniform(0, 1000))};
  }

  // Voters and learners from nodes 1..12, sorted, disjoint; at least one voter if asked.
  raft::configuration config(bool voters_required) {
    raft::configuration c;
    for (std::int32_t id = 1; id <= 12; ++id) {
      auto pick = uniform(0, 5);
      if (pick == 0) c.voters.emplace_back(id);
      if (pick == 1) c.learners.emplace_back(id);
    }
    if (voters_required && c.voters.empty()) {
      c.voters.emplace_back(13);  // above every learner: stays sorted and disjoint
    }
    return c;
  }

  raft::append_request append(raft::term_id term) {
    raft::append_request r;
    r.term = term;
    r.prev_offset = log_offset{uniform(-1, 1'000'000)};
    r.prev_term = raft::term_id{r.prev_offset.value() == -1 ? 0 : uniform(0, term.value())};
    r.leader_commit = log_offset{uniform(0, 2'000'000)};
    r.leader_log_start = log_offset{uniform(-1, 2'000'000)};
    log_offset next = r.prev_offset + 1;
    std::int64_t floor = std::max<std::int64_t>(1, r.prev_term.value());
    const auto n = uniform(0, 6);
    for (std::int64_t i = 0; i < n && floor <= term.value(); ++i) {
      raft::entry e;
      e.base_offset = next;
      e.last_offset = next + uniform(0, 500);
      e.term = raft::term_id{uniform(floor, term.value())};
      switch (uniform(0, 2)) {
        case 0:
          e.kind = raft::entry_kind::data;
          e.records = bytes(1, 300);
          break;
        case 1:
          e.kind = raft::entry_kind::noop;
          e.records = bytes(0, 80);
          break;
        default:
          e.kind = raft::entry_kind::config;
          e.config = config(true);
          e.records = bytes(0, 80);
          break;
      }
      next = e.end_offset();
      floor = e.term.value();
      r.entries.push_back(std::move(e));
    }
    return r;
  }

  // kind: 0..5 in message_body's order; -1 picks one.
  group_message message(int kind = -1) {
    if (kind < 0) kind = static_cast<int>(uniform(0, 5));
    group_message m;
    m.group = group();
    m.message.from = raft::node_id{static_cast<std::int32_t>(uniform(1, 9))};
    m.message.to = raft::node_id{m.message.from.value() % 9 + 1};
    const raft::term_id term{uniform(1, 1'000)};
    switch (kind) {
      case 0: {
        raft::vote_request v{.term = term, .pre_vote = coin(), .transfer = coin()};
        v.last_offset = log_offset{uniform(-1, 1'000'000)};
        v.last_term = raft::term_id{v.last_offset.value() == -1 ? 0 : uniform(0, term.value())};
        m.message.body = v;
        break;
      }
      case 1:
        m.message.body = raft::vote_response{.term = term, .pre_vote = coin(), .granted = coin()};
        break;
      case 2:
        m.message.body = append(term);
        break;
      case 3: {
        raft::append_response a{.term = term, .success = coin()};
        a.appended_end = log_offset{uniform(0, 1'000'000)};
        a.durable_end = log_offset{uniform(0, a.appended_end.value())};
        a.rejected_prev = log_offset{uniform(-1, 1'000'000)};
        a.hint_offset = log_offset{uniform(-1, 1'000'000)};
        a.hint_term = raft::term_id{a.hint_offset.value() == -1 ? 0 : uniform(0, term.value())};
        a.log_start = log_offset{uniform(-1, 1'000'000)};
        m.message.body = a;
        break;
      }
      case 4: {
        raft::install_request i{.term = term};
        i.start_offset = log_offset{uniform(0, 1'000'000)};
        i.prev_term = raft::term_id{i.start_offset.value() == 0 ? 0 : uniform(0, term.value())};
        i.config = config(coin());
        i.leader_commit = log_offset{uniform(0, 2'000'000)};
        m.message.body = i;
        break;
      }
      default:
        m.message.body = raft::timeout_now{.term = term};
        break;
    }
    return m;
  }

  raft::partition_leadership leadership() {
    raft::partition_leadership l;
    auto g = group();
    l.topic = g.topic;
    l.partition = g.partition;
    std::vector<std::int32_t> ids{1, 2, 3, 4, 5, 6, 7};
    std::shuffle(ids.begin(), ids.end(), rng_);
    ids.resize(static_cast<std::size_t>(uniform(1, 7)));
    for (auto id : ids)
      l.replicas.emplace_back(id);
    l.leader =
        l.replicas[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(ids.size()) - 1))];
    l.epoch = raft::term_id{uniform(0, 1'000'000)};
    l.log_start = log_offset{uniform(0, 1'000)};
    l.high_watermark = l.log_start + uniform(0, 1'000);
    l.log_end = l.high_watermark + uniform(0, 1'000);
    for (auto id : l.replicas) {
      if (coin()) l.isr.push_back(id);
      if (coin()) {
        raft::replica_state s{.node = id, .in_sync = coin()};
        s.match_end = log_offset{uniform(0, l.log_end.value())};
        s.lag = l.log_end - s.match_end;
        s.log_start = log_offset{uniform(-1, l.log_end.value())};
        l.replica_states.push_back(s);
      }
    }
    return l;
  }

 private:
  std::mt19937_64 rng_;
};

// Every field, so that two messages print the same exactly when they are equal.
inline std::string describe(const raft::configuration& c) {
  std::string out = "voters[";
  for (auto v : c.voters)
    out += fmt::format("{} ", v);
  out += "] learners[";
  for (auto v : c.learners)
    out += fmt::format("{} ", v);
  return out + "]";
}

struct body_printer {
  std::string operator()(const raft::vote_request& m) const {
    return fmt::format("vote_request term {} pre {} transfer {} last {}@{}", m.term, m.pre_vote,
                       m.transfer, m.last_offset, m.last_term);
  }
  std::string operator()(const raft::vote_response& m) const {
    return fmt::format("vote_response term {} pre {} granted {}", m.term, m.pre_vote, m.granted);
  }
  std::string operator()(const raft::append_request& m) const {
    std::string out =
        fmt::format("append term {} prev {}@{} commit {} log start {} entries:", m.term,
                    m.prev_offset, m.prev_term, m.leader_commit, m.leader_log_start);
    for (const auto& e : m.entries) {
      out += fmt::format(" [{}..{} t{} k{} {} records({})={}]", e.base_offset, e.last_offset,
                         e.term, static_cast<int>(e.kind), describe(e.config), e.records.size(),
                         std::hash<std::string>{}(e.records));
    }
    return out;
  }
  std::string operator()(const raft::append_response& m) const {
    return fmt::format(
        "append_response term {} ok {} appended {} durable {} rejected {} hint {}@{} log start {}",
        m.term, m.success, m.appended_end, m.durable_end, m.rejected_prev, m.hint_offset,
        m.hint_term, m.log_start);
  }
  std::string operator()(const raft::install_request& m) const {
    return fmt::format("install term {} start {} prev_term {} {} commit {}", m.term, m.start_offset,
                       m.prev_term, describe(m.config), m.leader_commit);
  }
  std::string operator()(const raft::timeout_now& m) const {
    return fmt::format("timeout_now term {}", m.term);
  }
};

inline std::string describe(const group_message& m) {
  return fmt::format("{}/{} {}->{} {}", m.group.topic, m.group.partition, m.message.from,
                     m.message.to, std::visit(body_printer{}, m.message.body));
}

}  // namespace cairn::peer::testing
