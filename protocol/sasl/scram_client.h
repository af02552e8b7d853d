// The client side of a SCRAM exchange (RFC 5802 §3, §5), sans I/O: the SDK's connection sends
// what it returns and feeds it the server's answers.
//
//   client_first()                  → client-first ("n,,n=USER,r=NONCE")
//   server-first → on_server_first  → client-final (with the proof)
//   server-final → on_server_final  → success once the server proved it holds the credential
//
// The client refuses an iteration count below scram_iterations_min (a man in the middle must not
// downgrade it to a cheap hash) or above scram_iterations_max, and only reports success after
// checking the server's signature: an authenticated() client has authenticated the server too.
#pragma once

#include <cairn/base/result.h>

#include <optional>
#include <string>
#include <string_view>

#include "protocol/sasl/base64.h"
#include "protocol/sasl/mechanism.h"

namespace cairn::sasl {

class scram_client {
 public:
  // errc::unknown_mechanism unless m is SCRAM; errc::invalid_argument for a user name or
  // password that is empty, over its limit, not UTF-8 or contains a NUL.
  static result<scram_client> create(mechanism m, std::string_view username,
                                     std::string_view password);
  ~scram_client();
  scram_client(scram_client&&) = default;
  scram_client& operator=(scram_client&&) = default;
  scram_client(const scram_client&) = delete;
  scram_client& operator=(const scram_client&) = delete;

  result<std::string> client_first();
  result<std::string> on_server_first(std::string_view message);
  result<void> on_server_final(std::string_view message);

  bool authenticated() const { return state_ == state::authenticated; }
  // The server's e= value after errc::server_rejected (e.g. "invalid-proof").
  const std::optional<std::string>& server_error() const { return server_error_; }

  // Tests only: use this client nonce instead of a random one (RFC 7677's vector).
  // REQUIRES: before client_first; a valid nonce of at most client_nonce_bytes_max bytes.
  void use_fixed_nonce_for_testing(std::string client_nonce);

 private:
  enum class state { client_first, server_first, server_final, authenticated, failed };

  scram_client(mechanism m, std::string username, bytes password);
  result<std::string> answer_server_first(std::string_view message);
  void wipe();

  mechanism mech_;
  std::string username_;
  // Until server-first gives the salt; wiped then. Bytes, not a std::string: a moved string
  // may leave a copy in its small-string buffer that nothing wipes.
  bytes password_;
  state state_ = state::client_first;
  std::optional<std::string> fixed_nonce_;
  std::string client_nonce_;
  std::string client_first_bare_;
  bytes expected_server_signature_;
  std::optional<std::string> server_error_;
};

}  // namespace cairn::sasl
