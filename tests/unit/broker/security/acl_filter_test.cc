// Filter matching as Kafka's DescribeAcls and DeleteAcls define it (ResourcePatternFilter and
// AccessControlEntryFilter), over one set of bindings.
#include "broker/security/acl_filter.h"

#include <catch2/catch.hpp>
#include <vector>

#include "acl_test_support.h"

namespace cairn::broker::security {
namespace {
using namespace test;
using enum acl_operation;

const acl_binding kPaymentsLiteral = allow("User:alice", write, resource_type::topic, "payments");
const acl_binding kAllTopics = allow("User:*", read, resource_type::topic, "*");
const acl_binding kPayPrefixed =
    allow("User:alice", read, resource_type::topic, "pay", pattern_type::prefixed);
const acl_binding kPaymentsPrefixed =
    deny("User:bob", write, resource_type::topic, "payments", pattern_type::prefixed);
const acl_binding kPayxPrefixed =
    allow("User:alice", read, resource_type::topic, "payx", pattern_type::prefixed);
const acl_binding kPayLiteral = allow("User:alice", read, resource_type::topic, "pay");
const acl_binding kPaymentsGroup = allow("User:alice", read, resource_type::group, "payments");
const acl_binding kFromHost = allow("User:alice", describe, resource_type::topic, "payments",
                                    pattern_type::literal, "10.0.0.1");

const std::vector<acl_binding>& all_bindings() {
  static const std::vector<acl_binding> v{kPaymentsLiteral,  kAllTopics,    kPayPrefixed,
                                          kPaymentsPrefixed, kPayxPrefixed, kPayLiteral,
                                          kPaymentsGroup,    kFromHost};
  return v;
}

std::vector<acl_binding> matching(const acl_filter& f) {
  std::vector<acl_binding> out;
  for (const auto& b : all_bindings()) {
    if (f.matches(b)) out.push_back(b);
  }
  return out;
}

using bindings = std::vector<acl_binding>;

TEST_CASE("the any filter matches every binding", "[security]") {
  CHECK(matching(acl_filter::any()) == all_bindings());
}

TEST_CASE("a literal filter matches only the literal pattern of that name", "[security]") {
  CHECK(matching(pattern_filter(resource_type::topic, "payments", pattern_type::literal)) ==
        bindings{kPaymentsLiteral, kFromHost});
  // `*` as a literal filter name is the literal wildcard ACL, not every literal.
  CHECK(matching(pattern_filter(resource_type::topic, "*", pattern_type::literal)) ==
        bindings{kAllTopics});
  // No name: every literal topic pattern.
  CHECK(matching(pattern_filter(resource_type::topic, std::nullopt, pattern_type::literal)) ==
        bindings{kPaymentsLiteral, kAllTopics, kPayLiteral, kFromHost});
}

TEST_CASE("a prefixed filter matches only the prefixed pattern of that name", "[security]") {
  CHECK(matching(pattern_filter(resource_type::topic, "pay", pattern_type::prefixed)) ==
        bindings{kPayPrefixed});
  CHECK(matching(pattern_filter(resource_type::topic, "payments", pattern_type::prefixed)) ==
        bindings{kPaymentsPrefixed});
  CHECK(matching(pattern_filter(resource_type::any, std::nullopt, pattern_type::prefixed)) ==
        bindings{kPayPrefixed, kPaymentsPrefixed, kPayxPrefixed});
}

TEST_CASE("an any pattern-type filter matches every pattern type of exactly that name",
          "[security]") {
  CHECK(matching(pattern_filter(resource_type::topic, "pay", pattern_type::any)) ==
        bindings{kPayPrefixed, kPayLiteral});
  CHECK(matching(pattern_filter(resource_type::any, "payments", pattern_type::any)) ==
        bindings{kPaymentsLiteral, kPaymentsPrefixed, kPaymentsGroup, kFromHost});
}

TEST_CASE("a match filter matches every pattern that applies to the name", "[security]") {
  // Literal `payments`, literal `*`, prefixed `pay` and `payments`; not prefixed `payx`, not
  // literal `pay`, not the group.
  CHECK(matching(pattern_filter(resource_type::topic, "payments", pattern_type::match)) ==
        bindings{kPaymentsLiteral, kAllTopics, kPayPrefixed, kPaymentsPrefixed, kFromHost});
  CHECK(matching(pattern_filter(resource_type::topic, "pay", pattern_type::match)) ==
        bindings{kAllTopics, kPayPrefixed, kPayLiteral});
  CHECK(matching(pattern_filter(resource_type::topic, "orders", pattern_type::match)) ==
        bindings{kAllTopics});
  CHECK(matching(pattern_filter(resource_type::any, "payments", pattern_type::match)) ==
        bindings{kPaymentsLiteral, kAllTopics, kPayPrefixed, kPaymentsPrefixed, kPaymentsGroup,
                 kFromHost});
  // No name: every pattern of the type.
  CHECK(matching(pattern_filter(resource_type::topic, std::nullopt, pattern_type::match)).size() ==
        all_bindings().size() - 1);
}

TEST_CASE("the resource type filters before anything else", "[security]") {
  CHECK(matching(pattern_filter(resource_type::group, std::nullopt, pattern_type::any)) ==
        bindings{kPaymentsGroup});
  CHECK(matching(pattern_filter(resource_type::cluster, std::nullopt, pattern_type::any)).empty());
}

TEST_CASE("entry filters compare each field exactly", "[security]") {
  acl_filter by_alice;
  by_alice.entry.principal = user("alice");
  // `User:*` ACLs are not alice's: a filter is not an authorization check.
  CHECK(matching(by_alice) == bindings{kPaymentsLiteral, kPayPrefixed, kPayxPrefixed, kPayLiteral,
                                       kPaymentsGroup, kFromHost});

  acl_filter by_wildcard;
  by_wildcard.entry.principal = principal::wildcard();
  CHECK(matching(by_wildcard) == bindings{kAllTopics});

  acl_filter by_host;
  by_host.entry.host = "10.0.0.1";
  CHECK(matching(by_host) == bindings{kFromHost});
  by_host.entry.host = "*";
  CHECK(matching(by_host).size() == all_bindings().size() - 1);

  acl_filter denies;
  denies.entry.permission = acl_permission::deny;
  CHECK(matching(denies) == bindings{kPaymentsPrefixed});

  acl_filter writes;
  writes.entry.operation = write;
  CHECK(matching(writes) == bindings{kPaymentsLiteral, kPaymentsPrefixed});

  // `all` as a filter value means ACLs for All, not every operation.
  acl_filter alls;
  alls.entry.operation = all;
  CHECK(matching(alls).empty());
}

TEST_CASE("pattern and entry filters combine", "[security]") {
  acl_filter f = pattern_filter(resource_type::topic, "payments", pattern_type::match);
  f.entry.principal = user("alice");
  f.entry.operation = read;
  CHECK(matching(f) == bindings{kPayPrefixed});
}

TEST_CASE("the exact filter matches one binding", "[security]") {
  for (const auto& b : all_bindings()) {
    CHECK(matching(acl_filter::exact(b)) == bindings{b});
  }
}

}  // namespace
}  // namespace cairn::broker::security
