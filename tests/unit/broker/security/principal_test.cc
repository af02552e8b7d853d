#include "broker/security/principal.h"

#include <catch2/catch.hpp>
#include <string>

#include "broker/security/security_errc.h"

namespace cairn::broker::security {
namespace {

TEST_CASE("a principal parses as Type:name and prints back", "[security]") {
  auto p = principal::parse("User:alice");
  REQUIRE(p);
  CHECK(p.value().type() == "User");
  CHECK(p.value().name() == "alice");
  CHECK(p.value().str() == "User:alice");
  CHECK_FALSE(p.value().is_wildcard());

  // Only the first ':' separates: a certificate subject may hold more.
  auto subject = principal::parse("User:CN=svc:payments,O=Cairn");
  REQUIRE(subject);
  CHECK(subject.value().type() == "User");
  CHECK(subject.value().name() == "CN=svc:payments,O=Cairn");

  auto group = principal::parse("Group:ops");
  REQUIRE(group);
  CHECK(group.value().type() == "Group");
}

TEST_CASE("User:* is the wildcard principal", "[security]") {
  CHECK(principal::wildcard().str() == "User:*");
  CHECK(principal::wildcard().is_wildcard());
  CHECK(principal::parse("User:*").value() == principal::wildcard());
  CHECK_FALSE(principal::parse("Group:*").value().is_wildcard());
}

TEST_CASE("a principal not of the form Type:name is refused", "[security]") {
  for (const char* bad : {"", "alice", ":alice", "User:", ":", "User"}) {
    INFO(bad);
    auto p = principal::parse(bad);
    REQUIRE_FALSE(p);
    CHECK(p.error() == errc::invalid_principal);
  }
  CHECK(principal::user("").error() == errc::invalid_principal);
  CHECK(principal::user("bob").value().str() == "User:bob");
}

TEST_CASE("a principal longer than a Kafka string is refused", "[security]") {
  const std::string longest = "User:" + std::string(kAclStringMax - 5, 'a');
  CHECK(principal::parse(longest));
  CHECK(principal::parse(longest + "a").error() == errc::value_too_long);
  CHECK(principal::user(std::string(kAclStringMax - 5, 'a')));
  CHECK(principal::user(std::string(kAclStringMax - 4, 'a')).error() == errc::value_too_long);
}

TEST_CASE("principals order and compare by their text", "[security]") {
  CHECK(principal::user("alice").value() < principal::user("bob").value());
  CHECK(principal::user("alice").value() == principal::parse("User:alice").value());
}

}  // namespace
}  // namespace cairn::broker::security
