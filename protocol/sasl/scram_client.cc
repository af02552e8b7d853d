#include "protocol/sasl/scram_client.h"

#include <cairn/base/assert.h>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/limits.h"
#include "protocol/sasl/scram_crypto.h"
#include "protocol/sasl/scram_message.h"

namespace cairn::sasl {
namespace {

bool is_valid_field(std::string_view text, std::size_t bytes_max) {
  return !text.empty() && text.size() <= bytes_max && detail::is_valid_utf8(text) &&
         text.find('\0') == std::string_view::npos;
}

// The gs2 header this client sends: no channel binding, no authorization id.
constexpr std::string_view gs2_header = "n,,";

}  // namespace

result<scram_client> scram_client::create(mechanism m, std::string_view username,
                                          std::string_view password) {
  if (!is_scram(m)) return errc::unknown_mechanism;
  if (!is_valid_field(username, username_bytes_max)) return errc::invalid_argument;
  if (!is_valid_field(password, password_bytes_max)) return errc::invalid_argument;
  return scram_client(m, std::string(username), bytes(password.begin(), password.end()));
}

scram_client::scram_client(mechanism m, std::string username, bytes password)
    : mech_(m), username_(std::move(username)), password_(std::move(password)) {}

scram_client::~scram_client() {
  wipe();
}

void scram_client::wipe() {
  detail::cleanse(password_);
  password_.clear();
}

void scram_client::use_fixed_nonce_for_testing(std::string client_nonce) {
  CAIRN_ASSERT(state_ == state::client_first, "fixed nonce after the exchange started");
  CAIRN_ASSERT(detail::is_valid_nonce(client_nonce), "invalid test nonce");
  CAIRN_ASSERT(client_nonce.size() <= client_nonce_bytes_max, "test nonce too long");
  fixed_nonce_ = std::move(client_nonce);
}

result<std::string> scram_client::client_first() {
  if (state_ != state::client_first) return errc::out_of_order;
  if (fixed_nonce_) {
    client_nonce_ = *fixed_nonce_;
  } else {
    auto nonce = detail::random_nonce();
    if (!nonce) {
      state_ = state::failed;
      wipe();
      return nonce.error();
    }
    client_nonce_ = std::move(nonce).value();
  }
  client_first_bare_ = "n=" + detail::encode_saslname(username_) + ",r=" + client_nonce_;
  state_ = state::server_first;
  return std::string(gs2_header) + client_first_bare_;
}

result<std::string> scram_client::on_server_first(std::string_view message) {
  if (state_ != state::server_first) return errc::out_of_order;
  auto answer = answer_server_first(message);
  state_ = answer ? state::server_final : state::failed;
  wipe();
  return answer;
}

result<std::string> scram_client::answer_server_first(std::string_view message) {
  CAIRN_TRY(auto first, detail::parse_server_first(message));
  // The server's nonce continues ours: a replayed or foreign server-first does not.
  if (first.nonce.size() <= client_nonce_.size() || !first.nonce.starts_with(client_nonce_)) {
    return errc::nonce_mismatch;
  }
  if (first.salt.size() > salt_bytes_max) return errc::message_too_large;

  const std::string_view password(reinterpret_cast<const char*>(password_.data()),
                                  password_.size());
  CAIRN_TRY(auto salted, detail::salted_password(mech_, password, first.salt, first.iterations));
  const std::string without_proof = "c=" + base64_encode(gs2_header) + ",r=" + first.nonce;
  const std::string auth_message =
      client_first_bare_ + "," + std::string(message) + "," + without_proof;
  const auto auth = detail::as_bytes(auth_message);

  auto client_key = detail::hmac(mech_, salted, detail::as_bytes("Client Key"));
  auto server_key = detail::hmac(mech_, salted, detail::as_bytes("Server Key"));
  detail::cleanse(salted);
  if (!client_key) return client_key.error();
  if (!server_key) return server_key.error();
  auto stored_key = detail::hash(mech_, client_key.value());
  auto client_signature =
      stored_key ? detail::hmac(mech_, stored_key.value(), auth) : result<bytes>(stored_key);
  auto server_signature = detail::hmac(mech_, server_key.value(), auth);
  detail::cleanse(server_key.value());
  if (!client_signature || !server_signature) {
    detail::cleanse(client_key.value());
    return errc::crypto_failure;
  }
  bytes proof = detail::xor_bytes(client_key.value(), client_signature.value());
  detail::cleanse(client_key.value());
  expected_server_signature_ = std::move(server_signature).value();
  return without_proof + ",p=" + base64_encode(proof);
}

result<void> scram_client::on_server_final(std::string_view message) {
  if (state_ != state::server_final) return errc::out_of_order;
  state_ = state::failed;
  CAIRN_TRY(auto final_message, detail::parse_server_final(message));
  if (final_message.error) {
    server_error_ = std::move(final_message.error);
    return errc::server_rejected;
  }
  if (!detail::equal_constant_time(final_message.verifier, expected_server_signature_)) {
    return errc::server_signature_mismatch;
  }
  state_ = state::authenticated;
  return success();
}

}  // namespace cairn::sasl
