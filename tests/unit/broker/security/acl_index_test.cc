// The index's lookup against the definition it implements: a binding applies to a resource when
// a `match` filter for the resource's name matches its pattern and its principal is the asker's
// or `User:*`. Random sets over a small alphabet make prefixes, near-misses and shared stems
// common, which is where the prefixed walk's jumps can go wrong.
#include "broker/security/acl_index.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "acl_test_support.h"

namespace cairn::broker::security {
namespace {
using namespace test;

std::string random_name(std::mt19937_64& rng, std::size_t max_length) {
  static constexpr std::string_view kAlphabet = "ab.";
  std::uniform_int_distribution<std::size_t> length(1, max_length);
  std::uniform_int_distribution<std::size_t> letter(0, kAlphabet.size() - 1);
  std::string s(length(rng), 'a');
  for (char& c : s)
    c = kAlphabet[letter(rng)];
  return s;
}

std::vector<acl_binding> applicable(const acl_index& index, resource_type type,
                                    std::string_view name, const principal& who) {
  std::vector<acl_binding> out;
  index.for_each_applicable(type, name, who, [&](const acl_binding& b) {
    out.push_back(b);
    return true;
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<acl_binding> expected(const std::vector<acl_binding>& all, resource_type type,
                                  std::string_view name, const principal& who) {
  const acl_filter f = pattern_filter(type, std::string(name), pattern_type::match);
  std::vector<acl_binding> out;
  for (const auto& b : all) {
    if (f.matches(b) && (b.entry.principal == who || b.entry.principal.is_wildcard())) {
      out.push_back(b);
    }
  }
  return out;  // `all` is sorted
}

TEST_CASE("the index finds exactly the applicable ACLs", "[security]") {
  const auto seed = Catch::rngSeed();
  for (std::uint64_t round = 0; round < 200; ++round) {
    std::mt19937_64 rng(seed * 1000 + round);
    INFO("seed " << seed << " round " << round);
    std::vector<acl_binding> all;
    std::uniform_int_distribution<int> count(0, 60);
    std::uniform_int_distribution<int> coin(0, 3);
    const int n = count(rng);
    for (int i = 0; i < n; ++i) {
      const auto type = coin(rng) == 0 ? resource_type::group : resource_type::topic;
      const auto pattern = coin(rng) == 0 ? pattern_type::literal : pattern_type::prefixed;
      std::string name =
          coin(rng) == 0 && pattern == pattern_type::literal ? "*" : random_name(rng, 6);
      const char* who = coin(rng) == 0 ? "User:*" : (coin(rng) < 2 ? "User:alice" : "User:bob");
      all.push_back(allow(who, acl_operation::read, type, name, pattern));
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    const acl_index index(all);
    REQUIRE(index.bindings() == all);
    for (int q = 0; q < 40; ++q) {
      const std::string name = random_name(rng, 8);
      const auto type = coin(rng) == 0 ? resource_type::group : resource_type::topic;
      for (const auto& who : {user("alice"), user("carol"), principal::wildcard()}) {
        INFO(name << " as " << who.str());
        CHECK(applicable(index, type, name, who) == expected(all, type, name, who));
      }
    }
  }
}

TEST_CASE("the walk stops when the visitor says so", "[security]") {
  const acl_index index(
      {allow("User:alice", acl_operation::read, resource_type::topic, "a", pattern_type::prefixed),
       allow("User:alice", acl_operation::read, resource_type::topic, "ab", pattern_type::prefixed),
       allow("User:alice", acl_operation::read, resource_type::topic, "abc")});
  int visits = 0;
  index.for_each_applicable(resource_type::topic, "abc", user("alice"), [&](const acl_binding&) {
    ++visits;
    return false;
  });
  CHECK(visits == 1);
  visits = 0;
  index.for_each_applicable(resource_type::topic, "abc", user("alice"), [&](const acl_binding&) {
    ++visits;
    return true;
  });
  CHECK(visits == 3);
}

TEST_CASE("an empty index applies nothing", "[security]") {
  const acl_index index;
  bool visited = false;
  index.for_each_applicable(resource_type::cluster, "kafka-cluster", user("alice"),
                            [&](const acl_binding&) { return visited = true; });
  CHECK_FALSE(visited);
}

}  // namespace
}  // namespace cairn::broker::security
