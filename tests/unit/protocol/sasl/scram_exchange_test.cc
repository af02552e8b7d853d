// Whole exchanges: RFC 7677's example byte for byte on each side, and our client against our
// server for both mechanisms.
#include <catch2/catch.hpp>
#include <string>

#include "protocol/sasl/errc.h"
#include "sasl_test_util.h"

using namespace cairn::sasl;
namespace rfc = cairn::sasl::testing::rfc7677;
using cairn::sasl::testing::credential_store;

TEST_CASE("the client reproduces RFC 7677's exchange byte for byte", "[sasl][scram][rfc7677]") {
  auto client = scram_client::create(mechanism::scram_sha_256, "user", "pencil");
  REQUIRE(client);
  client.value().use_fixed_nonce_for_testing(std::string(rfc::client_nonce));
  auto first = client.value().client_first();
  REQUIRE(first);
  CHECK(first.value() == rfc::client_first);
  auto final_message = client.value().on_server_first(rfc::server_first);
  REQUIRE(final_message);
  CHECK(final_message.value() == rfc::client_final);
  CHECK_FALSE(client.value().authenticated());
  REQUIRE(client.value().on_server_final(rfc::server_final));
  CHECK(client.value().authenticated());
}

TEST_CASE("the server reproduces RFC 7677's exchange byte for byte", "[sasl][scram][rfc7677]") {
  credential_store store;
  store.users.emplace("user", testing::rfc7677_credential());
  scram_server server = testing::rfc7677_server(store);
  auto first = server.on_client_first(rfc::client_first);
  REQUIRE(first);
  CHECK(first.value() == rfc::server_first);
  CHECK(server.username() == "user");
  CHECK_FALSE(server.authenticated());
  auto final_message = server.on_client_final(rfc::client_final);
  REQUIRE(final_message);
  CHECK(final_message.value() == rfc::server_final);
  CHECK(server.authenticated());
  // The exchange is over: nothing more is accepted.
  CHECK(server.on_client_final(rfc::client_final).error() == errc::out_of_order);
  CHECK(server.on_client_first(rfc::client_first).error() == errc::out_of_order);
}

TEST_CASE("our client and server complete SCRAM-SHA-256 and SCRAM-SHA-512", "[sasl][scram]") {
  for (mechanism m : {mechanism::scram_sha_256, mechanism::scram_sha_512}) {
    INFO(to_string(m));
    credential_store store;
    // A name that needs escaping, and a non-ASCII password.
    const std::string user = "ann,=x\xc3\xa9";
    auto credential = make_scram_credential(m, "p\xc3\xa4ssw0rd", 8192);
    REQUIRE(credential);
    store.users.emplace(user, credential.value());
    scram_server server(m, store.lookup());
    auto client = scram_client::create(m, user, "p\xc3\xa4ssw0rd");
    REQUIRE(client);
    const auto r = testing::run_exchange(client.value(), server);
    INFO(r.error.message());
    CHECK_FALSE(r.error);
    CHECK(r.server_authenticated);
    CHECK(r.client_authenticated);
    CHECK(server.username() == user);
    CHECK(r.client_first.starts_with("n,,n=ann=2C=3Dx\xc3\xa9,r="));
    CHECK(r.server_first.find(",i=8192") != std::string::npos);
    // Random nonces: the client's part is in the server's answer, which adds its own.
    const std::string client_nonce = r.client_first.substr(r.client_first.find(",r=") + 3);
    CHECK(r.server_first.starts_with("r=" + client_nonce));
    CHECK(r.server_first.size() > 2 + client_nonce.size() + 10);
  }
}

TEST_CASE("two exchanges use different nonces", "[sasl][scram]") {
  auto a = scram_client::create(mechanism::scram_sha_256, "u", "p");
  auto b = scram_client::create(mechanism::scram_sha_256, "u", "p");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a.value().client_first().value() != b.value().client_first().value());
}

TEST_CASE("a wrong password fails on both sides without saying why", "[sasl][scram]") {
  for (mechanism m : {mechanism::scram_sha_256, mechanism::scram_sha_512}) {
    credential_store store;
    store.users.emplace("alice", make_scram_credential(m, "right").value());
    scram_server server(m, store.lookup());
    auto client = scram_client::create(m, "alice", "wrong");
    REQUIRE(client);
    const auto r = testing::run_exchange(client.value(), server);
    CHECK(r.error == errc::authentication_failed);
    CHECK(r.error.message() == "authentication failed");
    CHECK_FALSE(server.authenticated());
    CHECK_FALSE(client.value().authenticated());
  }
}

TEST_CASE("an unknown user and a credential of the other mechanism fail alike", "[sasl][scram]") {
  credential_store store;
  store.users.emplace("alice", make_scram_credential(mechanism::scram_sha_512, "pw").value());
  for (std::string_view user : {"bob", "alice"}) {
    scram_server server(mechanism::scram_sha_256, store.lookup());
    auto client = scram_client::create(mechanism::scram_sha_256, user, "pw");
    REQUIRE(client);
    const auto r = testing::run_exchange(client.value(), server);
    CHECK(r.error == errc::authentication_failed);
  }
}

TEST_CASE("the client refuses a server that does not hold the credential", "[sasl][scram]") {
  // A server with the right salt and iterations (it saw them elsewhere) but another password's
  // keys: the client's proof fails there, and a forged server-final fails here.
  auto client = scram_client::create(mechanism::scram_sha_256, "user", "pencil");
  REQUIRE(client);
  client.value().use_fixed_nonce_for_testing(std::string(rfc::client_nonce));
  REQUIRE(client.value().client_first());
  REQUIRE(client.value().on_server_first(rfc::server_first));
  auto verified = client.value().on_server_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  REQUIRE_FALSE(verified);
  CHECK(verified.error() == errc::server_signature_mismatch);
  CHECK_FALSE(client.value().authenticated());
}

TEST_CASE("the client reports a server error", "[sasl][scram]") {
  auto client = scram_client::create(mechanism::scram_sha_256, "user", "pencil");
  REQUIRE(client);
  client.value().use_fixed_nonce_for_testing(std::string(rfc::client_nonce));
  REQUIRE(client.value().client_first());
  REQUIRE(client.value().on_server_first(rfc::server_first));
  auto verified = client.value().on_server_final("e=invalid-proof");
  REQUIRE_FALSE(verified);
  CHECK(verified.error() == errc::server_rejected);
  REQUIRE(client.value().server_error());
  CHECK(*client.value().server_error() == "invalid-proof");
}
