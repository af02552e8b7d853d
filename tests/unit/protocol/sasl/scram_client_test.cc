// The client against hostile or broken servers: downgrades, foreign nonces, bad encodings.
#include "protocol/sasl/scram_client.h"

#include <catch2/catch.hpp>
#include <string>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/limits.h"
#include "sasl_test_util.h"

using namespace cairn::sasl;
namespace rfc = cairn::sasl::testing::rfc7677;

namespace {

scram_client rfc_client() {
  auto client = scram_client::create(mechanism::scram_sha_256, "user", "pencil");
  REQUIRE(client);
  client.value().use_fixed_nonce_for_testing(std::string(rfc::client_nonce));
  REQUIRE(client.value().client_first());
  return std::move(client).value();
}

std::error_code server_first_error(std::string_view message) {
  scram_client client = rfc_client();
  auto answer = client.on_server_first(message);
  return answer ? std::error_code() : answer.error();
}

const std::string nonce = "r=" + std::string(rfc::client_nonce) + std::string(rfc::server_nonce);
const std::string salt = ",s=" + std::string(rfc::salt_b64);

}  // namespace

TEST_CASE("create refuses bad arguments", "[sasl][scram][client]") {
  using namespace std::string_literals;
  CHECK(scram_client::create(mechanism::plain, "u", "p").error() == errc::unknown_mechanism);
  CHECK(scram_client::create(mechanism::scram_sha_256, "", "p").error() == errc::invalid_argument);
  CHECK(scram_client::create(mechanism::scram_sha_256, "u", "").error() == errc::invalid_argument);
  CHECK(scram_client::create(mechanism::scram_sha_256, "u\0v"s, "p").error() ==
        errc::invalid_argument);
  CHECK(scram_client::create(mechanism::scram_sha_256, "u", "\xfe").error() ==
        errc::invalid_argument);
  CHECK(
      scram_client::create(mechanism::scram_sha_256, std::string(username_bytes_max + 1, 'u'), "p")
          .error() == errc::invalid_argument);
  CHECK(
      scram_client::create(mechanism::scram_sha_256, "u", std::string(password_bytes_max + 1, 'p'))
          .error() == errc::invalid_argument);
}

TEST_CASE("server-first: iteration counts below the floor are a downgrade",
          "[sasl][scram][client]") {
  CHECK(server_first_error(nonce + salt + ",i=4095") == errc::iteration_count_out_of_range);
  CHECK(server_first_error(nonce + salt + ",i=1") == errc::iteration_count_out_of_range);
  CHECK(server_first_error(nonce + salt + ",i=16385") == errc::iteration_count_out_of_range);
  CHECK(server_first_error(nonce + salt + ",i=99999999999999999999999") ==
        errc::iteration_count_out_of_range);
  CHECK(server_first_error(nonce + salt + ",i=04096") == errc::malformed_message);
  CHECK(server_first_error(nonce + salt + ",i=-4096") == errc::malformed_message);
  CHECK(server_first_error(nonce + salt + ",i=4096x") == errc::malformed_message);
  CHECK(server_first_error(nonce + salt + ",i=") == errc::malformed_message);
  CHECK_FALSE(server_first_error(nonce + salt + ",i=16384"));
}

TEST_CASE("server-first: the nonce must continue the client's", "[sasl][scram][client]") {
  CHECK(server_first_error("r=" + std::string(rfc::client_nonce) + salt + ",i=4096") ==
        errc::nonce_mismatch);
  CHECK(server_first_error("r=XOprNGfwEbeRWgbNEkqO%hvYDpWU" + salt + ",i=4096") ==
        errc::nonce_mismatch);
  CHECK(server_first_error("r=rOprNGfwEbeRWgbNEkq" + salt + ",i=4096") == errc::nonce_mismatch);
  CHECK(server_first_error("r=" + std::string(nonce_bytes_max + 1, 'r') + salt + ",i=4096") ==
        errc::message_too_large);
}

TEST_CASE("server-first: attributes and encodings", "[sasl][scram][client]") {
  CHECK_FALSE(server_first_error(nonce + salt + ",i=4096,x=ignored"));
  CHECK(server_first_error("m=x," + nonce + salt + ",i=4096") == errc::mandatory_extension);
  CHECK(server_first_error(salt.substr(1) + "," + nonce + ",i=4096") == errc::malformed_message);
  CHECK(server_first_error(nonce + ",i=4096" + salt) == errc::malformed_message);
  CHECK(server_first_error(nonce + ",s=,i=4096") == errc::malformed_message);
  CHECK(server_first_error(nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096") == errc::invalid_encoding);
  CHECK(server_first_error(nonce + ",s=" + std::string(400, 'A') + ",i=4096") ==
        errc::message_too_large);
  CHECK(server_first_error(nonce + salt + ",i=4096,") == errc::malformed_message);
  CHECK(server_first_error(nonce + salt + ",i=4096,s=x") == errc::malformed_message);
  CHECK(server_first_error(nonce + salt + ",i=4096,m=x") == errc::mandatory_extension);
  CHECK(server_first_error(std::string(message_bytes_max + 1, 'r')) == errc::message_too_large);
}

TEST_CASE("server-first: every truncation is refused", "[sasl][scram][client]") {
  const std::string_view first = rfc::server_first;
  for (std::size_t n = 0; n < first.size(); ++n) {
    INFO(n);
    CHECK(server_first_error(first.substr(0, n)));
  }
}

TEST_CASE("server-final: bad forms are refused", "[sasl][scram][client]") {
  const std::string_view good = rfc::server_final;
  for (std::string_view bad :
       {"", "v=", "e=", "x=1", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4",
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,", "v=AAAA",
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,m=1",
        "e=invalid-proof,v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="}) {
    INFO(bad);
    scram_client client = rfc_client();
    REQUIRE(client.on_server_first(rfc::server_first));
    CHECK_FALSE(client.on_server_final(bad));
    CHECK_FALSE(client.authenticated());
    // One answer per exchange: even the right one is now out of order.
    CHECK(client.on_server_final(good).error() == errc::out_of_order);
  }
  // Unknown extensions after the verifier are ignored.
  scram_client client = rfc_client();
  REQUIRE(client.on_server_first(rfc::server_first));
  CHECK(client.on_server_final(std::string(good) + ",x=1"));
}

TEST_CASE("client steps out of order are refused", "[sasl][scram][client]") {
  auto client = scram_client::create(mechanism::scram_sha_256, "user", "pencil");
  REQUIRE(client);
  CHECK(client.value().on_server_first(rfc::server_first).error() == errc::out_of_order);
  CHECK(client.value().on_server_final(rfc::server_final).error() == errc::out_of_order);
  REQUIRE(client.value().client_first());
  CHECK(client.value().client_first().error() == errc::out_of_order);
  CHECK(client.value().on_server_final(rfc::server_final).error() == errc::out_of_order);
}
