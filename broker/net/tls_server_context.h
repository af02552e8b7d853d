// tls_server_context: the OpenSSL server contexts of the client-facing listeners, built from
// tls_settings and rebuilt on reload() (SIGHUP). A connection takes current() when it is
// accepted and keeps that context for its whole life, so a reload changes what new connections
// see and never drops an established one.
//
// REQUIRES: used from the broker's I/O thread only (accept loops, the SIGHUP handler), so
// current_ needs no lock.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "broker/net/tls_settings.h"
#include "cairn/base/result.h"

namespace cairn::broker {

class tls_server_context {
 public:
  // Reads the files and builds the first context. On failure, `why` says which file and what
  // is wrong with it (for the startup error), and the result is empty.
  static std::shared_ptr<tls_server_context> open(tls_settings settings, std::string& why);

  // Re-reads the files. On success new connections get the new context; on failure `why` says
  // what is wrong, and the old context stays in use.
  bool reload(std::string& why);

  std::shared_ptr<boost::asio::ssl::context> current() const { return current_; }
  const tls_settings& settings() const { return settings_; }

  // A failed handshake from `host`: logs one warning line, at most one per host per window
  // (a scanner or a plaintext client retrying must not flood the log), with the count of the
  // lines held back since.
  void note_refused(std::string_view listener, const std::string& host, const std::string& peer,
                    const std::string& why);

  explicit tls_server_context(tls_settings settings) : settings_(std::move(settings)) {}

 private:
  struct offender {
    std::chrono::steady_clock::time_point logged_at;
    std::uint64_t suppressed = 0;
  };

  tls_settings settings_;
  std::shared_ptr<boost::asio::ssl::context> current_;
  // Bounded: at most offenders_max hosts are remembered; past that, stale ones are dropped and,
  // if none is stale, lines from new hosts are suppressed until some are.
  std::unordered_map<std::string, offender> offenders_;
  std::uint64_t suppressed_unknown_ = 0;
};

// Builds a server context from `settings` (TLS 1.2 and 1.3 only), or says in `why` which file
// failed and how. Exposed for tests and for reload().
std::shared_ptr<boost::asio::ssl::context> make_tls_server_context(const tls_settings& settings,
                                                                   std::string& why);

// The subject of the peer's certificate (RFC 2253 form, e.g. "CN=alice,O=Acme") when it showed
// one and it verified against the context's CAs; nullopt otherwise. The principal seam for
// mTLS authentication.
std::optional<std::string> verified_peer_subject(SSL* ssl);

}  // namespace cairn::broker
