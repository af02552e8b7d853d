#include "protocol/sasl/mechanism.h"

#include <catch2/catch.hpp>

#include "protocol/sasl/errc.h"

using namespace cairn::sasl;

TEST_CASE("mechanism names are Kafka's and parse back exactly", "[sasl][mechanism]") {
  for (mechanism m : {mechanism::scram_sha_256, mechanism::scram_sha_512, mechanism::plain}) {
    auto parsed = parse_mechanism(to_string(m));
    REQUIRE(parsed);
    CHECK(parsed.value() == m);
  }
  CHECK(to_string(mechanism::scram_sha_256) == "SCRAM-SHA-256");
  CHECK(to_string(mechanism::scram_sha_512) == "SCRAM-SHA-512");
  CHECK(to_string(mechanism::plain) == "PLAIN");
  CHECK(is_scram(mechanism::scram_sha_512));
  CHECK_FALSE(is_scram(mechanism::plain));
}

TEST_CASE("unknown mechanism names are refused", "[sasl][mechanism]") {
  using namespace std::string_view_literals;
  for (std::string_view name : {""sv, "scram-sha-256"sv, "SCRAM-SHA-1"sv, "GSSAPI"sv,
                                "OAUTHBEARER"sv, "PLAIN "sv, "SCRAM-SHA-256\0"sv}) {
    auto parsed = parse_mechanism(name);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::unknown_mechanism);
  }
}
