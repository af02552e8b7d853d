#include "broker/security/acl_json.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "acl_test_support.h"
#include "broker/security/security_errc.h"

namespace cairn::broker::security {
namespace {
using namespace test;
using enum acl_operation;

const std::vector<acl_binding>& sample() {
  static const std::vector<acl_binding> v{
      allow("User:alice", write, resource_type::topic, "payments"),
      allow("User:*", read, resource_type::topic, "*"),
      deny("User:bob", all, resource_type::group, "billing.", pattern_type::prefixed, "10.0.0.7"),
      allow("User:ops", alter_configs, resource_type::cluster, "kafka-cluster"),
      allow("User:CN=svc:pay,O=\"Cairn\"", idempotent_write, resource_type::transactional_id,
            "tx-\xc3\xa9\n", pattern_type::prefixed, "::1"),
  };
  return v;
}

std::error_code binding_error(std::string_view bytes) {
  auto r = acl_binding_from_json(bytes);
  return r ? std::error_code{} : r.error();
}

std::error_code set_error(std::string_view bytes) {
  auto r = acl_set_from_json(bytes);
  return r ? std::error_code{} : r.error();
}

TEST_CASE("a binding encodes to its documented JSON", "[security]") {
  CHECK(to_json(allow("User:alice", write, resource_type::topic, "pay", pattern_type::prefixed)) ==
        R"({"resource_type":"topic","pattern_type":"prefixed","name":"pay",)"
        R"("principal":"User:alice","host":"*","operation":"write","permission":"allow"})");
}

TEST_CASE("every binding round-trips through JSON", "[security]") {
  for (const auto& b : sample()) {
    auto back = acl_binding_from_json(to_json(b));
    REQUIRE(back);
    CHECK(back.value() == b);
  }
  // Every operation and permission an ACL can hold.
  for (auto op : all_operations()) {
    if (op == acl_operation::any) continue;
    for (auto perm : {acl_permission::allow, acl_permission::deny}) {
      const auto b = acl(perm, "User:alice", op, resource_type::group, "g");
      CHECK(acl_binding_from_json(to_json(b)).value() == b);
    }
  }
}

TEST_CASE("the set encodes sorted and unique so equal sets give equal bytes", "[security]") {
  std::vector<acl_binding> shuffled = sample();
  std::reverse(shuffled.begin(), shuffled.end());
  shuffled.push_back(sample()[1]);
  const std::string bytes = acl_set_to_json(shuffled);
  CHECK(bytes == acl_set_to_json(sample()));
  CHECK(bytes.starts_with(R"({"v":1,"acls":[)"));
  auto back = acl_set_from_json(bytes);
  REQUIRE(back);
  std::vector<acl_binding> sorted = sample();
  std::sort(sorted.begin(), sorted.end());
  CHECK(back.value() == sorted);
  CHECK(acl_set_from_json(acl_set_to_json({})).value().empty());
}

TEST_CASE("bad binding JSON is refused with a clear error", "[security]") {
  const std::string good = to_json(sample()[0]);
  auto with = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    return s;
  };
  for (const std::string& bad :
       {std::string(""), std::string("{"), std::string("null"), std::string("[]"),
        std::string("\"topic\""), std::string("{}"), good.substr(0, good.size() - 1), good + "x",
        // a missing key, an extra key, a mistyped value
        with(R"("host":"*",)", ""), with(R"("host":"*",)", R"("host":"*","extra":"1",)"),
        with(R"("host":"*")", R"("host":1)"), with(R"("name":"payments")", R"("name":null)"),
        with(R"("name":"payments")", R"("name":["payments"])"),
        // names not canonical or unknown
        with(R"("operation":"write")", R"("operation":"Write")"),
        with(R"("operation":"write")", R"("operation":"WRITE")"),
        with(R"("operation":"write")", R"("operation":"scribble")"),
        with(R"("resource_type":"topic")", R"("resource_type":"Topic")"),
        with(R"("permission":"allow")", R"("permission":3)")}) {
    INFO(bad);
    CHECK(binding_error(bad) == errc::malformed_acl_json);
  }
  // Well-formed but not a binding CreateAcls would take.
  CHECK(binding_error(with(R"("resource_type":"topic")", R"("resource_type":"any")")) ==
        errc::invalid_resource_type);
  CHECK(binding_error(with(R"("pattern_type":"literal")", R"("pattern_type":"match")")) ==
        errc::invalid_pattern_type);
  CHECK(binding_error(with(R"("operation":"write")", R"("operation":"any")")) ==
        errc::invalid_operation);
  CHECK(binding_error(with(R"("permission":"allow")", R"("permission":"any")")) ==
        errc::invalid_permission);
  CHECK(binding_error(with(R"("name":"payments")", R"("name":"")")) == errc::empty_resource_name);
  CHECK(binding_error(with(R"("principal":"User:alice")", R"("principal":"alice")")) ==
        errc::invalid_principal);
  CHECK(binding_error(with(R"("host":"*")", R"("host":"")")) == errc::invalid_host);
  CHECK(binding_error(with(R"("resource_type":"topic")", R"("resource_type":"cluster")")) ==
        errc::invalid_cluster_name);
}

TEST_CASE("bad set JSON is refused with a clear error", "[security]") {
  const std::string one = to_json(sample()[0]);
  CHECK(set_error(R"({"v":2,"acls":[]})") == errc::unsupported_acl_version);
  for (const std::string& bad :
       {std::string(R"({"v":0,"acls":[]})"), std::string(R"({"v":"1","acls":[]})"),
        std::string(R"({"v":1.0,"acls":[]})"), std::string(R"({"v":1})"),
        std::string(R"({"acls":[]})"), std::string(R"({"v":1,"acls":{}})"),
        std::string(R"({"v":1,"acls":[],"more":0})"), std::string(R"({"v":1,"acls":[1]})"),
        std::string(R"({"v":1,"acls":[[]]})"), std::string(R"([{"v":1,"acls":[]}])"),
        std::string(R"({"v":18446744073709551615,"acls":[]})"), R"({"v":1,"acls":[)" + one + ",]}",
        R"({"v":1,"acls":[)" + one}) {
    INFO(bad);
    CHECK(set_error(bad) == errc::malformed_acl_json);
  }
  CHECK(set_error(R"({"v":1,"acls":[)" + one + "," + one + "]}") == errc::duplicate_binding);
  // Nesting beyond Boost.JSON's depth limit is an error, not a stack overflow.
  CHECK(set_error(std::string(100000, '[') + std::string(100000, ']')) == errc::malformed_acl_json);
  CHECK(set_error(R"({"v":1,"acls":[)" + std::string(50000, '[')) == errc::malformed_acl_json);
}

TEST_CASE("mutated set JSON never crashes and decodes only valid bindings", "[security]") {
  const std::string good = acl_set_to_json(sample());
  std::mt19937_64 rng(Catch::rngSeed());
  std::uniform_int_distribution<std::size_t> at(0, good.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> edits(1, 4);
  int decoded = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string s = good;
    for (int e = edits(rng); e > 0; --e) {
      const std::size_t i = at(rng);
      switch (byte(rng) % 3) {
        case 0:
          s[i % s.size()] = static_cast<char>(byte(rng));
          break;
        case 1:
          s.erase(i % s.size(), 1);
          break;
        default:
          s.insert(i % (s.size() + 1), 1, static_cast<char>(byte(rng)));
          break;
      }
      if (s.empty()) s = "x";
    }
    auto r = acl_set_from_json(s);
    if (!r) continue;
    ++decoded;
    for (const auto& b : r.value())
      CHECK(validate(b));
    CHECK(std::is_sorted(r.value().begin(), r.value().end()));
  }
  // Some mutations land in names and still decode; most do not.
  CHECK(decoded < 5000);
}

}  // namespace
}  // namespace cairn::broker::security
