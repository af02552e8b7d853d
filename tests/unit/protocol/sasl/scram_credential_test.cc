#include "protocol/sasl/scram_credential.h"

#include <catch2/catch.hpp>
#include <string>

#include "protocol/sasl/errc.h"
#include "sasl_test_util.h"

using namespace cairn::sasl;
using namespace std::string_literals;

TEST_CASE("the RFC 7677 credential has the RFC's keys", "[sasl][credential]") {
  const scram_credential credential = testing::rfc7677_credential();
  CHECK(base64_encode(credential.stored_key) == "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=");
  CHECK(base64_encode(credential.server_key) == "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
  CHECK(to_text(credential) ==
        "SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ==:"
        "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
        "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
}

TEST_CASE("new credentials get fresh salts and the default iterations", "[sasl][credential]") {
  for (mechanism m : {mechanism::scram_sha_256, mechanism::scram_sha_512}) {
    auto a = make_scram_credential(m, "secret");
    auto b = make_scram_credential(m, "secret");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a.value().mech == m);
    CHECK(a.value().iterations == scram_iterations_default);
    CHECK(a.value().salt.size() == scram_salt_bytes);
    CHECK(a.value().salt != b.value().salt);
    CHECK(a.value().stored_key != b.value().stored_key);
    CHECK(a.value().stored_key.size() == (m == mechanism::scram_sha_256 ? 32u : 64u));
    CHECK(validate(a.value()));
  }
}

TEST_CASE("credentials refuse bad parameters", "[sasl][credential]") {
  CHECK(make_scram_credential(mechanism::plain, "pw").error() == errc::unknown_mechanism);
  CHECK(make_scram_credential(mechanism::scram_sha_256, "pw", 4095).error() ==
        errc::iteration_count_out_of_range);
  CHECK(make_scram_credential(mechanism::scram_sha_256, "pw", 16385).error() ==
        errc::iteration_count_out_of_range);
  CHECK(make_scram_credential(mechanism::scram_sha_256, "").error() == errc::invalid_argument);
  CHECK(make_scram_credential(mechanism::scram_sha_256, "\xff").error() == errc::invalid_argument);
  CHECK(make_scram_credential(mechanism::scram_sha_256, std::string(password_bytes_max + 1, 'p'))
            .error() == errc::invalid_argument);
  CHECK(make_scram_credential(mechanism::scram_sha_256, "pw", bytes{}, 4096).error() ==
        errc::invalid_argument);
  CHECK(scram_credential_from_salted_password(mechanism::scram_sha_512, bytes(16), 4096, bytes(32))
            .error() == errc::invalid_argument);
}

TEST_CASE("a credential from the salted password equals one from the password",
          "[sasl][credential]") {
  const scram_credential from_password = testing::rfc7677_credential();
  // Hi("pencil", salt, 4096), computed independently (python3 hashlib.pbkdf2_hmac).
  auto salted = base64_decode("xKSVEDI6tPlSysH6mUQZOeeOp01r6B3fcJbodRPcYV0=");
  REQUIRE(salted);
  auto from_salted = scram_credential_from_salted_password(
      mechanism::scram_sha_256, from_password.salt, 4096, salted.value());
  REQUIRE(from_salted);
  CHECK(from_salted.value() == from_password);
}

TEST_CASE("credential text round trips", "[sasl][credential]") {
  for (mechanism m : {mechanism::scram_sha_256, mechanism::scram_sha_512}) {
    for (int iterations : {scram_iterations_min, 8192, scram_iterations_max}) {
      auto credential = make_scram_credential(m, "pw", iterations);
      REQUIRE(credential);
      const std::string text = to_text(credential.value());
      auto parsed = parse_scram_credential(text);
      REQUIRE(parsed);
      CHECK(parsed.value() == credential.value());
      CHECK(to_text(parsed.value()) == text);
    }
  }
  // The largest salt still fits the parser's bound.
  auto big = make_scram_credential(mechanism::scram_sha_512, "pw", bytes(salt_bytes_max, 7), 4096);
  REQUIRE(big);
  auto parsed = parse_scram_credential(to_text(big.value()));
  REQUIRE(parsed);
  CHECK(parsed.value() == big.value());
}

TEST_CASE("the credential parser refuses bad text", "[sasl][credential]") {
  const std::string good = to_text(testing::rfc7677_credential());
  REQUIRE(parse_scram_credential(good));
  const std::string salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
  const std::string stored = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
  const std::string server = "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
  const std::string tail = ":" + salt + ":" + stored + ":" + server;
  const std::string bad[] = {
      "",
      ":::",
      "::::",
      good + ":",
      ":" + good,
      good + ":x",
      "PLAIN:4096" + tail,
      "SCRAM-SHA-1:4096" + tail,
      "scram-sha-256:4096" + tail,
      "SCRAM-SHA-512:4096" + tail,  // 32-byte keys for SHA-512
      "SCRAM-SHA-256:4095" + tail,
      "SCRAM-SHA-256:16385" + tail,
      "SCRAM-SHA-256:04096" + tail,
      "SCRAM-SHA-256:+4096" + tail,
      "SCRAM-SHA-256:-4096" + tail,
      "SCRAM-SHA-256: 4096" + tail,
      "SCRAM-SHA-256:4096.0" + tail,
      "SCRAM-SHA-256:99999999999999999999" + tail,
      "SCRAM-SHA-256::" + salt + ":" + stored + ":" + server,
      "SCRAM-SHA-256:4096::" + stored + ":" + server,
      "SCRAM-SHA-256:4096:" + salt + "::" + server,
      "SCRAM-SHA-256:4096:" + salt + ":" + stored + ":",
      "SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ=:" + stored + ":" + server,
      "SCRAM-SHA-256:4096:" + salt + ":" + stored.substr(4) + ":" + server,
      "SCRAM-SHA-256:4096:" + salt + ":" + stored + ":" + server + "\n",
      "SCRAM-SHA-256:4096:" + salt + ":" + stored + ":" + server + "AAAA",
      "SCRAM-SHA-256:4096:" + std::string(4096, 'A') + ":" + stored + ":" + server,
      std::string(100000, ':'),
  };
  for (const std::string& text : bad) {
    INFO(text.substr(0, 120));
    auto parsed = parse_scram_credential(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::bad_credential);
  }
}
