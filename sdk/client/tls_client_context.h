// tls_client_context: the OpenSSL client context built once from client_options::tls (CA,
// optional client certificate), and what a failed handshake means in the SDK's errc terms.
// Internal: the public headers carry no OpenSSL or Asio SSL type.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "cairn/base/result.h"
#include "cairn/client.h"

namespace cairn::sdk {

// TLS 1.2 and 1.3, peer verification on. errc::tls_bad_file when a file is unusable.
result<std::shared_ptr<boost::asio::ssl::context>> make_tls_client_context(
    const tls_options& options);

// Sets what the handshake on `ssl` checks the broker's certificate against: `host` as a DNS
// name (and SNI) or an IP address; nothing when `verify_hostname` is off.
void expect_tls_host(SSL* ssl, const std::string& host, bool verify_hostname);

// The errc a failed handshake maps to: the verification result when the broker's certificate
// was refused (untrusted, expired, wrong host), tls_handshake_failed otherwise.
std::error_code tls_failure(SSL* ssl);

}  // namespace cairn::sdk
