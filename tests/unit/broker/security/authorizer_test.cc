// The authorizer's decision matrix: each operation on each resource type, through literal,
// wildcard and prefixed patterns; deny over allow; implied operations; superusers; `User:*` and
// hosts; default deny.
#include "broker/security/authorizer.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "acl_test_support.h"
#include "broker/security/security_errc.h"

namespace cairn::broker::security {
namespace {
using namespace test;

// The operations a request asks for (every value but the filter's `any` and the ACL's `all`).
std::vector<acl_operation> requested_operations() {
  std::vector<acl_operation> out;
  for (auto o : all_operations()) {
    if (o != acl_operation::any && o != acl_operation::all) out.push_back(o);
  }
  return out;
}

const std::vector<resource_type> kTypes{resource_type::topic, resource_type::group,
                                        resource_type::cluster, resource_type::transactional_id};

// A resource of each type, and the patterns that apply to it.
std::string resource_name(resource_type t) {
  return t == resource_type::cluster ? std::string(kClusterResourceName) : "payments-eu";
}

struct applying_pattern {
  std::string name;
  pattern_type pattern;
};

std::vector<applying_pattern> patterns_for(resource_type t) {
  if (t == resource_type::cluster) {
    // The cluster resource has one name; a prefixed pattern of that name applies too.
    return {{"kafka-cluster", pattern_type::literal}, {"kafka-cluster", pattern_type::prefixed}};
  }
  return {{"payments-eu", pattern_type::literal},
          {"*", pattern_type::literal},
          {"payments-eu", pattern_type::prefixed},
          {"pay", pattern_type::prefixed},
          {"p", pattern_type::prefixed}};
}

// Kafka's implication table, written out independently of the code under test: an ALLOW for
// `granted` allows `asked`?
bool allow_covers(acl_operation granted, acl_operation asked) {
  using enum acl_operation;
  if (granted == all || granted == asked) return true;
  if (asked == describe) {
    return granted == read || granted == write || granted == delete_ || granted == alter;
  }
  if (asked == describe_configs) return granted == alter_configs;
  return false;
}

TEST_CASE("with no ACL every request is denied", "[security]") {
  authorizer az;
  for (auto t : kTypes) {
    for (auto op : requested_operations()) {
      const decision d = az.authorize(user("alice"), "10.0.0.1", op, t, resource_name(t));
      CHECK_FALSE(d.allowed);
      CHECK(d.why == decision::basis::no_allow_acl);
    }
  }
}

TEST_CASE("each granted operation allows exactly itself and what it implies", "[security]") {
  // For every resource type, every applying pattern and every operation an ACL can name.
  for (auto t : kTypes) {
    for (const auto& p : patterns_for(t)) {
      for (auto granted : all_operations()) {
        if (granted == acl_operation::any) continue;
        authorizer az;
        REQUIRE(az.add(allow("User:alice", granted, t, p.name, p.pattern)));
        for (auto asked : requested_operations()) {
          INFO(to_string(t) << " " << to_string(p.pattern) << " " << p.name << " granted "
                            << to_string(granted) << " asked " << to_string(asked));
          const decision d = az.authorize(user("alice"), "10.0.0.1", asked, t, resource_name(t));
          CHECK(d.allowed == allow_covers(granted, asked));
          CHECK(d.why == (d.allowed ? decision::basis::allow_acl : decision::basis::no_allow_acl));
          // Someone else is never allowed by alice's ACL.
          CHECK_FALSE(az.allowed(user("bob"), "10.0.0.1", asked, t, resource_name(t)));
        }
      }
    }
  }
}

TEST_CASE("a deny wins over every allow and is never implied", "[security]") {
  for (auto t : kTypes) {
    for (const auto& p : patterns_for(t)) {
      for (auto denied : all_operations()) {
        if (denied == acl_operation::any) continue;
        authorizer az;
        // Allowed everything, through the literal name, then denied one operation through p.
        REQUIRE(az.add(allow("User:alice", acl_operation::all, t, resource_name(t))));
        REQUIRE(az.add(deny("User:alice", denied, t, p.name, p.pattern)));
        for (auto asked : requested_operations()) {
          INFO(to_string(t) << " " << to_string(p.pattern) << " " << p.name << " denied "
                            << to_string(denied) << " asked " << to_string(asked));
          const bool deny_applies = denied == acl_operation::all || denied == asked;
          const decision d = az.authorize(user("alice"), "10.0.0.1", asked, t, resource_name(t));
          CHECK(d.allowed == !deny_applies);
          CHECK(d.why == (deny_applies ? decision::basis::deny_acl : decision::basis::allow_acl));
        }
      }
    }
  }
}

TEST_CASE("patterns that do not apply to the name give nothing", "[security]") {
  authorizer az;
  using enum acl_operation;
  REQUIRE(az.add(allow("User:alice", all, resource_type::topic, "payments")));
  REQUIRE(
      az.add(allow("User:alice", all, resource_type::topic, "paymentsx", pattern_type::prefixed)));
  REQUIRE(az.add(allow("User:alice", all, resource_type::topic, "orders", pattern_type::prefixed)));
  REQUIRE(az.add(allow("User:alice", all, resource_type::group, "*")));
  REQUIRE(az.add(allow("User:alice", all, resource_type::transactional_id, "payments-eu")));
  // A literal is not a prefix, a longer prefix does not apply, another type's ACL does not apply.
  CHECK_FALSE(az.allowed(user("alice"), "h", read, resource_type::topic, "payments-eu"));
  CHECK(az.allowed(user("alice"), "h", read, resource_type::topic, "payments"));
  CHECK(az.allowed(user("alice"), "h", read, resource_type::topic, "orders"));
  CHECK(az.allowed(user("alice"), "h", read, resource_type::topic, "orders.eu"));
  CHECK_FALSE(az.allowed(user("alice"), "h", read, resource_type::topic, "order"));
  CHECK(az.allowed(user("alice"), "h", read, resource_type::group, "anything"));
  CHECK_FALSE(az.allowed(user("alice"), "h", alter, resource_type::cluster, "kafka-cluster"));
}

TEST_CASE("a deny on a prefix overrides a literal allow", "[security]") {
  authorizer az;
  using enum acl_operation;
  REQUIRE(az.add(allow("User:alice", write, resource_type::topic, "payments.eu")));
  REQUIRE(az.add(deny("User:*", write, resource_type::topic, "payments.", pattern_type::prefixed)));
  const decision d =
      az.authorize(user("alice"), "10.0.0.1", write, resource_type::topic, "payments.eu");
  CHECK_FALSE(d.allowed);
  CHECK(d.why == decision::basis::deny_acl);
  CHECK(d.reason == "User:alice may not Write topic payments.eu");
  // Deny of Write does not deny Describe, which the Write allow implies.
  CHECK(az.allowed(user("alice"), "10.0.0.1", describe, resource_type::topic, "payments.eu"));
}

TEST_CASE("superusers bypass every ACL", "[security]") {
  authorizer az(std::vector{user("admin")});
  using enum acl_operation;
  REQUIRE(az.add(deny("User:admin", all, resource_type::topic, "*")));
  REQUIRE(az.add(deny("User:*", all, resource_type::cluster, "kafka-cluster")));
  for (auto t : kTypes) {
    for (auto op : requested_operations()) {
      const decision d = az.authorize(user("admin"), "10.0.0.1", op, t, resource_name(t));
      CHECK(d.allowed);
      CHECK(d.why == decision::basis::superuser);
    }
  }
  CHECK(az.is_superuser(user("admin")));
  CHECK_FALSE(az.is_superuser(user("alice")));
  CHECK(az.authorize(user("admin"), "h", write, resource_type::topic, "t").reason ==
        "User:admin may Write topic t (superuser)");

  // Superusers are replaced whole; a superuser by another type is another principal.
  az.set_superusers({principal::parse("ServiceAccount:ops").value()});
  CHECK_FALSE(az.allowed(user("admin"), "h", write, resource_type::topic, "t"));
  CHECK_FALSE(az.allowed(user("ops"), "h", write, resource_type::topic, "x"));
  CHECK(az.allowed(principal::parse("ServiceAccount:ops").value(), "h", write, resource_type::topic,
                   "x"));
  CHECK(az.size() == 2);  // the ACLs stayed
}

TEST_CASE("User:* applies to every principal", "[security]") {
  authorizer az;
  using enum acl_operation;
  REQUIRE(az.add(allow("User:*", read, resource_type::topic, "public")));
  CHECK(az.allowed(user("alice"), "h", read, resource_type::topic, "public"));
  CHECK(az.allowed(user("bob"), "h", read, resource_type::topic, "public"));
  CHECK(
      az.allowed(principal::parse("Group:ops").value(), "h", read, resource_type::topic, "public"));
  CHECK_FALSE(az.allowed(user("alice"), "h", write, resource_type::topic, "public"));

  // A wildcard deny beats a named allow; a named deny only its principal.
  REQUIRE(az.add(allow("User:bob", write, resource_type::topic, "public")));
  REQUIRE(az.add(deny("User:alice", read, resource_type::topic, "public")));
  CHECK_FALSE(az.allowed(user("alice"), "h", read, resource_type::topic, "public"));
  CHECK(az.allowed(user("bob"), "h", read, resource_type::topic, "public"));
  CHECK(az.allowed(user("bob"), "h", write, resource_type::topic, "public"));
  REQUIRE(az.add(deny("User:*", write, resource_type::topic, "public")));
  CHECK_FALSE(az.allowed(user("bob"), "h", write, resource_type::topic, "public"));
  // Only `User:*` is a wildcard: `User:a*` is a user called "a*".
  REQUIRE(az.add(allow("User:a*", all, resource_type::group, "g")));
  CHECK_FALSE(az.allowed(user("alice"), "h", read, resource_type::group, "g"));
  CHECK(az.allowed(user("a*"), "h", read, resource_type::group, "g"));
}

TEST_CASE("an ACL's host must be the asker's address or *", "[security]") {
  authorizer az;
  using enum acl_operation;
  REQUIRE(az.add(
      allow("User:alice", read, resource_type::topic, "t", pattern_type::literal, "10.0.0.1")));
  CHECK(az.allowed(user("alice"), "10.0.0.1", read, resource_type::topic, "t"));
  CHECK_FALSE(az.allowed(user("alice"), "10.0.0.2", read, resource_type::topic, "t"));
  CHECK_FALSE(az.allowed(user("alice"), "*", read, resource_type::topic, "t"));

  REQUIRE(az.add(
      deny("User:alice", read, resource_type::topic, "t", pattern_type::literal, "10.0.0.9")));
  REQUIRE(az.add(allow("User:alice", read, resource_type::topic, "t")));
  CHECK(az.allowed(user("alice"), "10.0.0.2", read, resource_type::topic, "t"));
  CHECK_FALSE(az.allowed(user("alice"), "10.0.0.9", read, resource_type::topic, "t"));
  CHECK(az.allowed(user("alice"), "::1", read, resource_type::topic, "t"));
}

TEST_CASE("the reason names the missing permission", "[security]") {
  authorizer az;
  using enum acl_operation;
  CHECK(az.authorize(user("alice"), "h", write, resource_type::topic, "payments").reason ==
        "User:alice may not Write topic payments");
  CHECK(az.authorize(user("alice"), "h", read, resource_type::group, "billing").reason ==
        "User:alice may not Read group billing");
  CHECK(az.authorize(user("alice"), "h", cluster_action, resource_type::cluster, "kafka-cluster")
            .reason == "User:alice may not ClusterAction cluster kafka-cluster");
  CHECK(az.authorize(user("alice"), "h", write, resource_type::transactional_id, "tx-1").reason ==
        "User:alice may not Write transactional id tx-1");
  REQUIRE(az.add(allow("User:alice", idempotent_write, resource_type::cluster, "kafka-cluster")));
  const decision d =
      az.authorize(user("alice"), "h", idempotent_write, resource_type::cluster, "kafka-cluster");
  CHECK(d.allowed);
  CHECK(d.reason == "User:alice may IdempotentWrite cluster kafka-cluster");
}

TEST_CASE("add validates each binding and ignores duplicates", "[security]") {
  authorizer az;
  using enum acl_operation;
  const std::vector<acl_binding> batch{
      allow("User:alice", read, resource_type::topic, "a"),
      allow("User:alice", read, resource_type::topic, "*", pattern_type::prefixed),
      allow("User:alice", read, resource_type::topic, "a"),
      allow("User:alice", alter, resource_type::cluster, "my-cluster"),
      deny("User:bob", read, resource_type::topic, "a")};
  const auto results = az.add(batch);
  REQUIRE(results.size() == 5);
  CHECK(results[0]);
  CHECK(results[1].error() == errc::prefixed_wildcard);
  CHECK(results[2]);
  CHECK(results[3].error() == errc::invalid_cluster_name);
  CHECK(results[4]);
  CHECK(az.size() == 2);
  CHECK(az.add(batch[0]));
  CHECK(az.size() == 2);
}

TEST_CASE("remove reports per filter and removes once", "[security]") {
  authorizer az;
  using enum acl_operation;
  const auto a = allow("User:alice", read, resource_type::topic, "payments");
  const auto b = allow("User:alice", write, resource_type::topic, "pay", pattern_type::prefixed);
  const auto c = allow("User:bob", read, resource_type::topic, "orders");
  const auto d = allow("User:bob", read, resource_type::group, "g");
  REQUIRE(az.add(std::vector{a, b, c, d}).size() == 4);
  REQUIRE(az.size() == 4);

  acl_filter alices;
  alices.entry.principal = user("alice");
  const acl_filter applies_to_payments =
      pattern_filter(resource_type::topic, "payments", pattern_type::match);
  const acl_filter nothing =
      pattern_filter(resource_type::transactional_id, std::nullopt, pattern_type::any);
  const auto removed = az.remove(std::vector{alices, applies_to_payments, nothing});
  REQUIRE(removed.size() == 3);
  CHECK(removed[0] == std::vector{b, a});  // sorted by resource name first: "pay" < "payments"
  CHECK(removed[1] == removed[0]);
  CHECK(removed[2].empty());
  CHECK(az.all() == std::vector{c, d});
  CHECK_FALSE(az.allowed(user("alice"), "h", read, resource_type::topic, "payments"));
  CHECK(az.allowed(user("bob"), "h", read, resource_type::topic, "orders"));
  CHECK(az.remove(acl_filter::any()) == std::vector{c, d});
  CHECK(az.size() == 0);
}

TEST_CASE("list answers what the filter matches, sorted", "[security]") {
  authorizer az;
  using enum acl_operation;
  const auto a = allow("User:alice", read, resource_type::topic, "payments");
  const auto b = allow("User:*", read, resource_type::topic, "*");
  const auto c = allow("User:bob", read, resource_type::group, "payments");
  REQUIRE(az.add(std::vector{c, b, a}).size() == 3);
  CHECK(az.list(acl_filter::any()) == az.all());
  CHECK(az.list(pattern_filter(resource_type::topic, "payments", pattern_type::match)).size() == 2);
  CHECK(az.list(pattern_filter(resource_type::any, "payments", pattern_type::literal)).size() == 2);
}

TEST_CASE("replace_all swaps the set whole or not at all", "[security]") {
  authorizer az;
  using enum acl_operation;
  REQUIRE(az.add(allow("User:alice", read, resource_type::topic, "old")));
  const auto bad = az.replace_all({allow("User:alice", read, resource_type::topic, "new"),
                                   allow("User:alice", read, resource_type::topic, "")});
  CHECK(bad.error() == errc::empty_resource_name);
  CHECK(az.allowed(user("alice"), "h", read, resource_type::topic, "old"));
  REQUIRE(az.replace_all({allow("User:alice", read, resource_type::topic, "new"),
                          allow("User:alice", read, resource_type::topic, "new")}));
  CHECK(az.size() == 1);
  CHECK_FALSE(az.allowed(user("alice"), "h", read, resource_type::topic, "old"));
  CHECK(az.allowed(user("alice"), "h", read, resource_type::topic, "new"));
}

TEST_CASE("thousands of ACLs still decide correctly", "[security]") {
  authorizer az;
  using enum acl_operation;
  std::vector<acl_binding> many;
  for (int i = 0; i < 2000; ++i) {
    const std::string n = std::to_string(i);
    many.push_back(allow("User:u" + n, write, resource_type::topic, "topic-" + n));
    many.push_back(
        allow("User:u" + n, read, resource_type::topic, "team-" + n + ".", pattern_type::prefixed));
    many.push_back(allow("User:u" + n, read, resource_type::group, "g-" + n));
  }
  REQUIRE(az.add(many).size() == many.size());
  REQUIRE(az.size() == 6000);
  for (int i = 0; i < 2000; i += 37) {
    const std::string n = std::to_string(i);
    const auto u = user("u" + n);
    CHECK(az.allowed(u, "h", write, resource_type::topic, "topic-" + n));
    CHECK_FALSE(az.allowed(u, "h", write, resource_type::topic, "topic-" + std::to_string(i + 1)));
    CHECK(az.allowed(u, "h", read, resource_type::topic, "team-" + n + ".events"));
    // "team-37." is no prefix of "team-370.events"; "team-370." is, but it is u370's.
    CHECK_FALSE(az.allowed(u, "h", read, resource_type::topic, "team-" + n + "0.events"));
    CHECK(az.allowed(u, "h", describe, resource_type::group, "g-" + n));
  }
}

}  // namespace
}  // namespace cairn::broker::security
