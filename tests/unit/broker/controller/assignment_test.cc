#include "broker/controller/assignment.h"

#include <catch2/catch.hpp>
#include <set>

#include "protocol/wire_errc.h"

using namespace cairn::broker;
using namespace cairn::broker::controller;

namespace {

void add(load_map& load, const topic_assignment& a) {
  for (const auto& replicas : a) {
    for (std::size_t i = 0; i < replicas.size(); ++i) {
      ++load[replicas[i]].replicas;
      if (i == 0) ++load[replicas[i]].leaders;
    }
  }
}

// Max minus min over the brokers (a broker without load counts as 0).
std::int32_t spread(const load_map& load, const std::vector<std::int32_t>& brokers, bool leaders) {
  std::int32_t lo = INT32_MAX, hi = 0;
  for (auto id : brokers) {
    auto it = load.find(id);
    std::int32_t v = it == load.end() ? 0 : (leaders ? it->second.leaders : it->second.replicas);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi - lo;
}

void check_distinct(const topic_assignment& a, const std::vector<std::int32_t>& brokers) {
  for (const auto& replicas : a) {
    std::set<std::int32_t> unique(replicas.begin(), replicas.end());
    REQUIRE(unique.size() == replicas.size());
    for (auto id : replicas)
      REQUIRE(std::find(brokers.begin(), brokers.end(), id) != brokers.end());
  }
}

}  // namespace

TEST_CASE("assignment refuses bad counts with the wire's error codes", "[controller]") {
  using cairn::protocol::errc;
  std::vector<std::int32_t> brokers{1, 2, 3};
  CHECK(assign_replicas(brokers, 0, 1, {}).error() == errc::invalid_partitions);
  CHECK(assign_replicas(brokers, kPartitionsMax + 1, 1, {}).error() == errc::invalid_partitions);
  CHECK(assign_replicas(brokers, 1, 0, {}).error() == errc::invalid_replication_factor);
  CHECK(assign_replicas(brokers, 1, 4, {}).error() == errc::invalid_replication_factor);
  CHECK(assign_replicas({1, 1, 2}, 1, 3, {}).error() == errc::invalid_replication_factor);
  CHECK(assign_replicas({}, 1, 1, {}).error() == errc::invalid_replication_factor);
  CHECK(assign_replicas(brokers, 1, 3, {}));
}

TEST_CASE("assignment spreads replicas and leaders within one across many topics", "[controller]") {
  // Ids need not be dense or sorted.
  const std::vector<std::vector<std::int32_t>> clusters{{1},
                                                        {1, 2},
                                                        {3, 1, 2},
                                                        {10, 20, 30, 40},
                                                        {1, 2, 3, 4, 5},
                                                        {2, 4, 6, 8, 10, 12, 14},
                                                        {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
                                                        {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
  for (const auto& brokers : clusters) {
    for (std::int16_t rf = 1; rf <= static_cast<std::int16_t>(brokers.size()); ++rf) {
      INFO("brokers " << brokers.size() << " rf " << rf);
      load_map load;
      for (std::int32_t topic = 0; topic < 40; ++topic) {
        std::int32_t partitions = 1 + (topic * 7) % 13;  // 1..13, uneven
        auto a = assign_replicas(brokers, partitions, rf, load);
        REQUIRE(a);
        REQUIRE(a.value().size() == static_cast<std::size_t>(partitions));
        check_distinct(a.value(), brokers);
        add(load, a.value());
        REQUIRE(spread(load, brokers, false) <= 1);
        REQUIRE(spread(load, brokers, true) <= 1);
      }
    }
  }
}

TEST_CASE("assignment keeps replicas within one when replication factors mix", "[controller]") {
  const std::vector<std::int32_t> brokers{1, 2, 3, 4, 5};
  load_map load;
  for (std::int32_t topic = 0; topic < 60; ++topic) {
    auto rf = static_cast<std::int16_t>(1 + topic % 5);
    auto a = assign_replicas(brokers, 1 + topic % 4, rf, load);
    REQUIRE(a);
    check_distinct(a.value(), brokers);
    add(load, a.value());
    REQUIRE(spread(load, brokers, false) <= 1);
  }
}

TEST_CASE("assignment shifts followers: a broker's partitions fail over to several brokers",
          "[controller]") {
  const std::vector<std::int32_t> brokers{1, 2, 3, 4};
  auto a = assign_replicas(brokers, 16, 2, {});
  REQUIRE(a);
  std::set<std::int32_t> followers_of_1;
  for (const auto& replicas : a.value()) {
    if (replicas[0] == 1) followers_of_1.insert(replicas[1]);
  }
  CHECK(followers_of_1.size() >= 2);
  // Every broker leads 4 and holds 8.
  load_map load;
  add(load, a.value());
  for (auto id : brokers)
    CHECK(load[id] == broker_load{8, 4});
  // Deterministic: the controller computes it once, but a replay must agree.
  CHECK(assign_replicas(brokers, 16, 2, {}).value() == a.value());
}

TEST_CASE("assignment starts from the current load", "[controller]") {
  // Broker 3 already carries more: the next partitions go elsewhere first.
  load_map load{{1, {0, 0}}, {2, {0, 0}}, {3, {2, 2}}, {99, {50, 50}}};
  auto a = assign_replicas({1, 2, 3}, 2, 1, load);
  REQUIRE(a);
  CHECK(a.value() == topic_assignment{{1}, {2}});
}
