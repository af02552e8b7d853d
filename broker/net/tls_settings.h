// tls_settings: what the broker's --tls-* flags ask of its client-facing listeners (the native
// and the Kafka one). Plain data, no OpenSSL: the command line parses into it, and
// tls_server_context (tls_server_context.h) turns it into OpenSSL contexts.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::broker {

// Whether a client must show a certificate (--tls-client-auth).
enum class tls_client_auth {
  none,       // no certificate asked for
  requested,  // asked for and verified against --tls-ca when shown; a client without one is in
  required,   // a client without a certificate that --tls-ca verifies is refused
};

inline std::optional<tls_client_auth> parse_tls_client_auth(std::string_view text) {
  if (text == "none") return tls_client_auth::none;
  if (text == "requested") return tls_client_auth::requested;
  if (text == "required") return tls_client_auth::required;
  return std::nullopt;
}

struct tls_settings {
  std::string cert_file;  // PEM: the server's certificate, then its chain
  std::string key_file;   // PEM: the certificate's private key (unencrypted)
  std::string ca_file;    // PEM: the CAs client certificates are verified against (may be empty)
  tls_client_auth client_auth = tls_client_auth::none;
  // A connection that has not finished its handshake by then is closed: an idle socket must not
  // hold a connection slot (and its buffers) for ever.
  std::chrono::milliseconds handshake_timeout{10'000};
};

}  // namespace cairn::broker
