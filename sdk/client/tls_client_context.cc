#include "sdk/client/tls_client_context.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <fstream>

#include "cairn/errc.h"

namespace cairn::sdk {
namespace ssl = boost::asio::ssl;

result<std::shared_ptr<ssl::context>> make_tls_client_context(const tls_options& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1)
    return errc::tls_bad_file;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  auto readable = [](const std::string& file) { return std::ifstream(file).good(); };
  if (options.ca_file.empty()) {
    context->set_default_verify_paths(ec);
  } else if (readable(options.ca_file)) {
    context->load_verify_file(options.ca_file, ec);
  } else {
    return errc::tls_bad_file;
  }
  if (ec) return errc::tls_bad_file;
  if (options.cert_file.empty() != options.key_file.empty()) return errc::tls_bad_file;
  if (!options.cert_file.empty()) {
    if (!readable(options.cert_file) || !readable(options.key_file)) return errc::tls_bad_file;
    context->use_certificate_chain_file(options.cert_file, ec);
    if (!ec) context->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(context->native_handle()) != 1) return errc::tls_bad_file;
  }
  return context;
}

void expect_tls_host(SSL* ssl, const std::string& host, bool verify_hostname) {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  // SNI carries names only (RFC 6066 §3: no IP literals).
  if (not_ip) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (!verify_hostname) return;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (not_ip) {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  }
}

std::error_code tls_failure(SSL* ssl) {
  switch (SSL_get_verify_result(ssl)) {
    case X509_V_OK:
      return errc::tls_handshake_failed;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return errc::tls_expired;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return errc::tls_wrong_host;
    default:
      return errc::tls_untrusted;
  }
}

}  // namespace cairn::sdk
