// Helpers shared by the SASL tests: a credential store, a full exchange between our client and
// our server, and the RFC 7677 §3 example.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <string_view>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/scram_client.h"
#include "protocol/sasl/scram_credential.h"
#include "protocol/sasl/scram_server.h"

namespace cairn::sasl::testing {

// RFC 7677 §3: user "user", password "pencil", SCRAM-SHA-256, 4096 iterations.
namespace rfc7677 {
inline constexpr std::string_view client_nonce = "rOprNGfwEbeRWgbNEkqO";
inline constexpr std::string_view server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
inline constexpr std::string_view salt_b64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
inline constexpr std::string_view client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
inline constexpr std::string_view server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
inline constexpr std::string_view client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
inline constexpr std::string_view server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
}  // namespace rfc7677

inline scram_credential rfc7677_credential() {
  auto salt = base64_decode(rfc7677::salt_b64);
  REQUIRE(salt);
  auto credential = make_scram_credential(mechanism::scram_sha_256, "pencil", salt.value(), 4096);
  REQUIRE(credential);
  return credential.value();
}

// A server's view of its users: name → credential.
struct credential_store {
  std::map<std::string, scram_credential, std::less<>> users;

  scram_server::credential_lookup lookup() const {
    return [this](std::string_view name) -> std::optional<scram_credential> {
      auto it = users.find(name);
      if (it == users.end()) return std::nullopt;
      return it->second;
    };
  }
};

// A server for the RFC 7677 user with the RFC's server nonce.
inline scram_server rfc7677_server(const credential_store& store) {
  scram_server server(mechanism::scram_sha_256, store.lookup());
  server.use_fixed_nonce_for_testing(std::string(rfc7677::server_nonce));
  return server;
}

struct exchange_result {
  std::error_code error;  // the first failure, either side
  bool client_authenticated = false;
  bool server_authenticated = false;
  std::string client_first, server_first, client_final, server_final;
};

// Runs our client against our server until one side fails.
inline exchange_result run_exchange(scram_client& client, scram_server& server) {
  exchange_result r;
  auto step = [&r](auto&& answer, std::string& into) {
    if (!answer) {
      r.error = answer.error();
      return false;
    }
    into = answer.value();
    return true;
  };
  if (!step(client.client_first(), r.client_first)) return r;
  if (!step(server.on_client_first(r.client_first), r.server_first)) return r;
  if (!step(client.on_server_first(r.server_first), r.client_final)) return r;
  if (!step(server.on_client_final(r.client_final), r.server_final)) return r;
  r.server_authenticated = server.authenticated();
  auto verified = client.on_server_final(r.server_final);
  if (!verified) r.error = verified.error();
  r.client_authenticated = client.authenticated();
  return r;
}

}  // namespace cairn::sasl::testing
