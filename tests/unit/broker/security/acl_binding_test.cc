#include "broker/security/acl_binding.h"

#include <catch2/catch.hpp>
#include <string>

#include "acl_test_support.h"
#include "broker/security/security_errc.h"

namespace cairn::broker::security {
namespace {
using namespace test;

std::error_code refusal(const acl_binding& b) {
  auto r = validate(b);
  return r ? std::error_code{} : r.error();
}

TEST_CASE("valid bindings of every concrete type pass validation", "[security]") {
  using enum acl_operation;
  CHECK(validate(allow("User:alice", write, resource_type::topic, "payments")));
  CHECK(validate(allow("User:alice", read, resource_type::topic, "pay", pattern_type::prefixed)));
  CHECK(validate(allow("User:*", read, resource_type::topic, "*")));
  CHECK(validate(
      deny("User:bob", all, resource_type::group, "billing", pattern_type::literal, "10.0.0.7")));
  CHECK(validate(allow("User:alice", alter, resource_type::cluster, "kafka-cluster")));
  CHECK(validate(
      allow("User:alice", alter, resource_type::cluster, "kafka-cluster", pattern_type::prefixed)));
  CHECK(validate(allow("User:alice", write, resource_type::transactional_id, "tx-")));
}

TEST_CASE("validation refuses what CreateAcls refuses", "[security]") {
  using enum acl_operation;
  const acl_binding good = allow("User:alice", write, resource_type::topic, "payments");

  SECTION("a filter resource type") {
    auto b = good;
    b.pattern.type = resource_type::any;
    CHECK(refusal(b) == errc::invalid_resource_type);
  }
  SECTION("a filter pattern type") {
    for (auto p : {pattern_type::any, pattern_type::match}) {
      auto b = good;
      b.pattern.pattern = p;
      CHECK(refusal(b) == errc::invalid_pattern_type);
    }
  }
  SECTION("a filter operation") {
    auto b = good;
    b.entry.operation = acl_operation::any;
    CHECK(refusal(b) == errc::invalid_operation);
  }
  SECTION("a filter permission") {
    auto b = good;
    b.entry.permission = acl_permission::any;
    CHECK(refusal(b) == errc::invalid_permission);
  }
  SECTION("an empty name") {
    auto b = good;
    b.pattern.name.clear();
    CHECK(refusal(b) == errc::empty_resource_name);
    b.pattern.pattern = pattern_type::prefixed;
    CHECK(refusal(b) == errc::empty_resource_name);
  }
  SECTION("a prefixed wildcard") {
    CHECK(refusal(allow("User:alice", read, resource_type::topic, "*", pattern_type::prefixed)) ==
          errc::prefixed_wildcard);
    CHECK(refusal(allow("User:alice", read, resource_type::group, "*", pattern_type::prefixed)) ==
          errc::prefixed_wildcard);
  }
  SECTION("the cluster resource under another name") {
    for (const char* name : {"*", "cluster", "kafka", "kafka-cluster2"}) {
      INFO(name);
      CHECK(refusal(allow("User:alice", alter, resource_type::cluster, name)) ==
            errc::invalid_cluster_name);
    }
  }
  SECTION("an empty host") {
    auto b = good;
    b.entry.host.clear();
    CHECK(refusal(b) == errc::invalid_host);
  }
  SECTION("a name or host longer than a Kafka string") {
    auto b = good;
    b.pattern.name.assign(kAclStringMax, 't');
    CHECK(validate(b));
    b.pattern.name.push_back('t');
    CHECK(refusal(b) == errc::value_too_long);
    b = good;
    b.entry.host.assign(kAclStringMax + 1, 'h');
    CHECK(refusal(b) == errc::value_too_long);
  }
}

TEST_CASE("a binding not of the form Type:name cannot be built", "[security]") {
  // The principal is parsed before a binding exists: the refusal comes from parse.
  CHECK(principal::parse("alice").error() == errc::invalid_principal);
}

TEST_CASE("every refusal has a message", "[security]") {
  for (int e = 1; e <= static_cast<int>(errc::duplicate_binding); ++e) {
    const std::string m = make_error_code(static_cast<errc>(e)).message();
    INFO(e);
    CHECK_FALSE(m.empty());
    CHECK(m.find("unknown security error") == std::string::npos);
  }
  CHECK(make_error_code(errc::invalid_cluster_name).message().find("kafka-cluster") !=
        std::string::npos);
}

TEST_CASE("a binding prints on one line", "[security]") {
  CHECK(to_string(allow("User:alice", acl_operation::write, resource_type::topic, "pay",
                        pattern_type::prefixed)) ==
        "allow User:alice from * Write on topic prefixed pay");
}

}  // namespace
}  // namespace cairn::broker::security
