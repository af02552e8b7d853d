#include "broker/net/tls_server_context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace cairn::broker {
namespace ssl = boost::asio::ssl;
namespace {

// One warning line per offending host per window; at most this many hosts remembered.
constexpr auto kRefusedLogWindow = std::chrono::seconds(60);
constexpr std::size_t kOffendersMax = 1024;

// A file the broker cannot open gets the OS's reason, before OpenSSL's less direct one.
bool readable(const std::string& file, std::string_view flag, std::string& why) {
  std::ifstream in(file);
  if (in) return true;
  why = std::string(flag) + " " + file + ": cannot read it: " + std::strerror(errno);
  return false;
}

std::string describe(const boost::system::error_code& ec) {
  std::string text = ec.message();
  return text.empty() ? "not a valid PEM file" : text;
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_server_context(const tls_settings& settings,
                                                      std::string& why) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and 1.3 only: everything older has known breaks (RFC 8996).
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    why = "cannot restrict TLS to versions 1.2 and 1.3";
    return nullptr;
  }
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::system::error_code ec;
  if (!readable(settings.cert_file, "--tls-cert", why)) return nullptr;
  context->use_certificate_chain_file(settings.cert_file, ec);
  if (ec) {
    why = "--tls-cert " + settings.cert_file + ": not a PEM certificate (chain): " + describe(ec);
    return nullptr;
  }
  if (!readable(settings.key_file, "--tls-key", why)) return nullptr;
  context->use_private_key_file(settings.key_file, ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    why = "--tls-key " + settings.key_file + ": does not match the certificate in --tls-cert " +
          settings.cert_file;
    return nullptr;
  }
  if (ec) {
    why = "--tls-key " + settings.key_file + ": not a PEM private key: " + describe(ec);
    return nullptr;
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    why = "--tls-key " + settings.key_file + ": does not match the certificate in --tls-cert " +
          settings.cert_file;
    return nullptr;
  }
  if (!settings.ca_file.empty()) {
    if (!readable(settings.ca_file, "--tls-ca", why)) return nullptr;
    context->load_verify_file(settings.ca_file, ec);
    if (ec) {
      why = "--tls-ca " + settings.ca_file + ": not a PEM certificate bundle: " + describe(ec);
      return nullptr;
    }
    // The CA names the server sends in its CertificateRequest, so a client with several
    // certificates picks one this broker accepts.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(context->native_handle(), names);
    }
  }
  switch (settings.client_auth) {
    case tls_client_auth::none:
      context->set_verify_mode(ssl::verify_none);
      break;
    case tls_client_auth::requested:
      context->set_verify_mode(ssl::verify_peer);
      break;
    case tls_client_auth::required:
      context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      break;
  }
  return context;
}

std::shared_ptr<tls_server_context> tls_server_context::open(tls_settings settings,
                                                             std::string& why) {
  auto context = std::make_shared<tls_server_context>(std::move(settings));
  context->current_ = make_tls_server_context(context->settings_, why);
  if (!context->current_) return nullptr;
  return context;
}

bool tls_server_context::reload(std::string& why) {
  auto fresh = make_tls_server_context(settings_, why);
  if (!fresh) return false;
  current_ = std::move(fresh);
  return true;
}

void tls_server_context::note_refused(std::string_view listener, const std::string& host,
                                      const std::string& peer, const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  auto found = offenders_.find(host);
  if (found == offenders_.end()) {
    if (offenders_.size() >= kOffendersMax) {
      std::erase_if(offenders_,
                    [&](const auto& e) { return now - e.second.logged_at >= kRefusedLogWindow; });
    }
    if (offenders_.size() >= kOffendersMax) {
      ++suppressed_unknown_;
      return;
    }
    offenders_.emplace(host, offender{now, 0});
    spdlog::warn("{} {}: TLS handshake failed, connection closed: {}", listener, peer, why);
    return;
  }
  offender& o = found->second;
  if (now - o.logged_at < kRefusedLogWindow) {
    ++o.suppressed;
    return;
  }
  spdlog::warn("{} {}: TLS handshake failed, connection closed: {} ({} more from {} since)",
               listener, peer, why, o.suppressed, host);
  o = offender{now, 0};
}

std::optional<std::string> verified_peer_subject(SSL* ssl) {
  if (SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return std::nullopt;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return std::nullopt;
  std::optional<std::string> subject;
  if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    if (size >= 0) subject.emplace(data, static_cast<std::size_t>(size));
  }
  BIO_free(bio);
  return subject;
}

}  // namespace cairn::broker
