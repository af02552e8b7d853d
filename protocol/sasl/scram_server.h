// The server side of a SCRAM exchange (RFC 5802 §3, §5), sans I/O: a front end feeds it the
// client's messages and sends back what it returns.
//
//   client-first  → on_client_first  → server-first
//   client-final  → on_client_final  → server-final ("v=..."), and authenticated() is true
//
// Any error ends the exchange (later calls return errc::out_of_order); the front end answers
// with its protocol's authentication failure and closes the connection. A wrong proof and an
// unknown user both fail with errc::authentication_failed. Only the `n` and `y` gs2 flags are
// accepted: Cairn offers no channel binding (TLS carries the exchange instead).
#pragma once

#include <cairn/base/result.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/sasl/mechanism.h"
#include "protocol/sasl/scram_credential.h"

namespace cairn::sasl {

class scram_server {
 public:
  // The user's credential for this server's mechanism, or nullopt for an unknown user. Called
  // once per exchange, with the unescaped user name. A credential of another mechanism counts
  // as unknown.
  using credential_lookup =
      std::function<std::optional<scram_credential>(std::string_view username)>;

  // REQUIRES: is_scram(m), lookup is callable.
  scram_server(mechanism m, credential_lookup lookup);
  ~scram_server();
  scram_server(scram_server&&) = default;
  scram_server& operator=(scram_server&&) = default;
  scram_server(const scram_server&) = delete;
  scram_server& operator=(const scram_server&) = delete;

  result<std::string> on_client_first(std::string_view message);
  result<std::string> on_client_final(std::string_view message);

  bool authenticated() const { return state_ == state::authenticated; }
  // The user the client named (the principal once authenticated()); empty before client-first.
  const std::string& username() const { return username_; }
  // The client-first extensions (name, value), e.g. Kafka's ("tokenauth", "true"): ignored
  // here, offered to a caller that wants to refuse what it does not serve.
  const std::vector<std::pair<std::string, std::string>>& extensions() const { return extensions_; }

  // Tests only: use this server nonce part instead of a random one (RFC 7677's vector).
  // REQUIRES: before on_client_first; a valid nonce.
  void use_fixed_nonce_for_testing(std::string server_nonce);

 private:
  enum class state { client_first, client_final, authenticated, failed };

  result<std::string> answer_client_first(std::string_view message);
  result<std::string> answer_client_final(std::string_view message);
  void wipe();

  mechanism mech_;
  credential_lookup lookup_;
  state state_ = state::client_first;
  std::optional<std::string> fixed_nonce_;
  std::string username_;
  std::vector<std::pair<std::string, std::string>> extensions_;
  // Kept between the two steps.
  std::string gs2_header_;
  std::string nonce_;
  std::string auth_message_prefix_;  // client-first-bare "," server-first ","
  scram_credential credential_;
};

}  // namespace cairn::sasl
