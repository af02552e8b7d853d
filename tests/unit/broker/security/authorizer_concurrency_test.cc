// Readers authorize on several threads while one writer adds and removes ACLs. Each change is
// one batch that would be wrong if seen half-applied (an allow and the deny that cancels it), so
// a reader that ever saw a torn snapshot would be allowed something. Run it under TSan too
// (docs/security.md, "Authorization model").
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "acl_test_support.h"
#include "broker/security/authorizer.h"

namespace cairn::broker::security {
namespace {
using namespace test;
using enum acl_operation;

TEST_CASE("readers never see a half-applied change", "[security]") {
  authorizer az(std::vector{user("admin")});
  // Always there: alice reads `stable`.
  REQUIRE(az.add(allow("User:alice", read, resource_type::topic, "stable")));

  constexpr int kReaders = 3;
  constexpr int kChanges = 400;
  std::atomic<bool> done{false};
  std::atomic<long> checks{0};
  std::atomic<long> violations{0};

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      const principal alice = user("alice");
      const principal carol = user("carol");
      const principal admin = user("admin");
      long local = 0;
      while (!done.load(std::memory_order_acquire) || local < 1000) {
        const std::string topic = "t-" + std::to_string((local + r) % 50);
        // Carol's allow and deny always come and go together: she is never allowed.
        if (az.allowed(carol, "10.0.0.1", write, resource_type::topic, topic)) ++violations;
        if (!az.allowed(alice, "10.0.0.1", read, resource_type::topic, "stable")) ++violations;
        if (!az.authorize(admin, "10.0.0.1", alter, resource_type::cluster, "kafka-cluster")
                 .allowed) {
          ++violations;
        }
        // A listing is one snapshot too: carol's bindings are always in pairs.
        if (local % 64 == 0) {
          acl_filter carols;
          carols.entry.principal = carol;
          if (az.list(carols).size() % 2 != 0) ++violations;
        }
        ++local;
      }
      checks += local;
    });
  }

  acl_filter carols;
  carols.entry.principal = user("carol");
  for (int i = 0; i < kChanges; ++i) {
    const std::string topic = "t-" + std::to_string(i % 50);
    const auto pattern = i % 3 == 0 ? pattern_type::prefixed : pattern_type::literal;
    const std::string name = pattern == pattern_type::prefixed ? "t-" : topic;
    const std::vector<acl_binding> pair{
        allow("User:carol", write, resource_type::topic, name, pattern),
        deny("User:carol", all, resource_type::topic, name, pattern)};
    for (const auto& r : az.add(pair))
      REQUIRE(r);
    // Unrelated churn alongside.
    REQUIRE(az.add(allow("User:u" + std::to_string(i), read, resource_type::group, "g")));
    if (i % 4 == 3) {
      REQUIRE(az.remove(carols).size() % 2 == 0);
      az.remove(pattern_filter(resource_type::group, "g", pattern_type::literal));
    }
    if (i % 50 == 0) az.set_superusers({user("admin"), user("u" + std::to_string(i))});
  }
  done.store(true, std::memory_order_release);
  for (auto& t : readers)
    t.join();

  CHECK(violations.load() == 0);
  CHECK(checks.load() >= kReaders * 1000);
  CHECK(az.allowed(user("alice"), "h", read, resource_type::topic, "stable"));
}

}  // namespace
}  // namespace cairn::broker::security
