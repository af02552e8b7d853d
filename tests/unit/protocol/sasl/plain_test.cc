#include "protocol/sasl/plain.h"

#include <catch2/catch.hpp>
#include <string>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/limits.h"
#include "protocol/sasl/scram_credential.h"

using namespace cairn::sasl;
using namespace std::string_literals;

TEST_CASE("PLAIN messages parse with or without an authzid", "[sasl][plain]") {
  auto parsed = parse_plain("\0alice\0secret"s);
  REQUIRE(parsed);
  CHECK(parsed.value().username == "alice");
  CHECK(parsed.value().password == "secret");

  auto same_authzid = parse_plain("alice\0alice\0secret"s);
  REQUIRE(same_authzid);
  CHECK(same_authzid.value().username == "alice");
}

TEST_CASE("PLAIN round trips through make_plain", "[sasl][plain]") {
  auto message = make_plain("bob", "p@ss word \xc3\xa9");
  REQUIRE(message);
  CHECK(message.value() == "\0bob\0p@ss word \xc3\xa9"s);
  auto parsed = parse_plain(message.value());
  REQUIRE(parsed);
  CHECK(parsed.value().username == "bob");
  CHECK(parsed.value().password == "p@ss word \xc3\xa9");
}

TEST_CASE("PLAIN refuses malformed messages", "[sasl][plain]") {
  const std::pair<std::string, errc> cases[] = {
      {""s, errc::malformed_message},
      {"alice"s, errc::malformed_message},
      {"\0alice"s, errc::malformed_message},
      {"\0\0secret"s, errc::malformed_message},
      {"\0alice\0"s, errc::malformed_message},
      {"\0alice\0sec\0ret"s, errc::malformed_message},
      {"\0alice\0secret\0"s, errc::malformed_message},
      {"mallory\0alice\0secret"s, errc::authzid_not_permitted},
      {"\0al\xffice\0secret"s, errc::invalid_encoding},
      {"\0alice\0se\xc0\x80"s, errc::invalid_encoding},
      {"\0"s + std::string(username_bytes_max + 1, 'u') + "\0pw"s, errc::message_too_large},
      {"\0u\0"s + std::string(password_bytes_max + 1, 'p'), errc::message_too_large},
      {std::string(message_bytes_max + 1, 'x'), errc::message_too_large},
  };
  for (const auto& [message, expected] : cases) {
    INFO(message.size());
    auto parsed = parse_plain(message);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == expected);
  }
}

TEST_CASE("make_plain refuses bad arguments", "[sasl][plain]") {
  CHECK(make_plain("", "pw").error() == errc::invalid_argument);
  CHECK(make_plain("u", "").error() == errc::invalid_argument);
  CHECK(make_plain("u\0x"s, "pw").error() == errc::invalid_argument);
  CHECK(make_plain("u", "p\0w"s).error() == errc::invalid_argument);
  CHECK(make_plain(std::string(username_bytes_max + 1, 'u'), "pw").error() ==
        errc::invalid_argument);
}

TEST_CASE("a PLAIN password is checked against the stored SCRAM credential", "[sasl][plain]") {
  auto credential = make_scram_credential(mechanism::scram_sha_512, "correct horse");
  REQUIRE(credential);
  auto parsed = parse_plain("\0alice\0correct horse"s);
  REQUIRE(parsed);
  auto ok = verify_password(credential.value(), parsed.value().password);
  REQUIRE(ok);
  CHECK(ok.value());
  auto wrong = verify_password(credential.value(), "correct horsf");
  REQUIRE(wrong);
  CHECK_FALSE(wrong.value());
  auto empty = verify_password(credential.value(), "");
  REQUIRE(empty);
  CHECK_FALSE(empty.value());
}
