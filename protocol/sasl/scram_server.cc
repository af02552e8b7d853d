#include "protocol/sasl/scram_server.h"

#include <cairn/base/assert.h>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/scram_crypto.h"
#include "protocol/sasl/scram_message.h"

namespace cairn::sasl {

scram_server::scram_server(mechanism m, credential_lookup lookup)
    : mech_(m), lookup_(std::move(lookup)) {
  CAIRN_ASSERT(is_scram(m), "scram_server for {}", to_string(m));
  CAIRN_ASSERT(static_cast<bool>(lookup_), "scram_server without a credential lookup");
}

scram_server::~scram_server() {
  wipe();
}

void scram_server::wipe() {
  detail::cleanse(credential_.stored_key);
  detail::cleanse(credential_.server_key);
}

void scram_server::use_fixed_nonce_for_testing(std::string server_nonce) {
  CAIRN_ASSERT(state_ == state::client_first, "fixed nonce after the exchange started");
  CAIRN_ASSERT(detail::is_valid_nonce(server_nonce), "invalid test nonce");
  fixed_nonce_ = std::move(server_nonce);
}

result<std::string> scram_server::on_client_first(std::string_view message) {
  if (state_ != state::client_first) return errc::out_of_order;
  auto answer = answer_client_first(message);
  if (answer) {
    state_ = state::client_final;
  } else {
    state_ = state::failed;
    wipe();
  }
  return answer;
}

result<std::string> scram_server::on_client_final(std::string_view message) {
  if (state_ != state::client_final) return errc::out_of_order;
  auto answer = answer_client_final(message);
  state_ = answer ? state::authenticated : state::failed;
  wipe();
  return answer;
}

result<std::string> scram_server::answer_client_first(std::string_view message) {
  CAIRN_TRY(auto first, detail::parse_client_first(message));
  username_ = first.username;
  extensions_ = std::move(first.extensions);

  std::optional<scram_credential> credential = lookup_(username_);
  if (!credential || credential->mech != mech_) return errc::authentication_failed;
  CAIRN_TRY(validate(*credential));
  credential_ = std::move(*credential);

  std::string server_nonce;
  if (fixed_nonce_) {
    server_nonce = *fixed_nonce_;
  } else {
    CAIRN_TRY(server_nonce, detail::random_nonce());
  }
  nonce_ = first.client_nonce + server_nonce;
  CAIRN_ASSERT(nonce_.size() <= nonce_bytes_max, "nonce of {} bytes", nonce_.size());
  gs2_header_ = std::move(first.gs2_header);

  std::string server_first = "r=" + nonce_ + ",s=" + base64_encode(credential_.salt) +
                             ",i=" + std::to_string(credential_.iterations);
  auth_message_prefix_ = first.bare + "," + server_first + ",";
  return server_first;
}

result<std::string> scram_server::answer_client_final(std::string_view message) {
  CAIRN_TRY(auto final_message, detail::parse_client_final(message));
  // cbind-input is the gs2 header alone, as no channel-binding data is in use.
  if (!detail::equal_constant_time(final_message.channel_binding, detail::as_bytes(gs2_header_))) {
    return errc::channel_binding_mismatch;
  }
  if (final_message.nonce != nonce_) return errc::nonce_mismatch;
  if (final_message.proof.size() != detail::digest_bytes(mech_)) {
    return errc::authentication_failed;
  }

  const std::string auth_message = auth_message_prefix_ + final_message.without_proof;
  CAIRN_TRY(auto client_signature,
            detail::hmac(mech_, credential_.stored_key, detail::as_bytes(auth_message)));
  // ClientKey = ClientProof XOR ClientSignature; the client knew the password iff
  // H(ClientKey) is the stored key.
  bytes client_key = detail::xor_bytes(final_message.proof, client_signature);
  auto stored_key = detail::hash(mech_, client_key);
  detail::cleanse(client_key);
  if (!stored_key) return stored_key.error();
  if (!detail::equal_constant_time(stored_key.value(), credential_.stored_key)) {
    return errc::authentication_failed;
  }
  CAIRN_TRY(auto server_signature,
            detail::hmac(mech_, credential_.server_key, detail::as_bytes(auth_message)));
  return "v=" + base64_encode(server_signature);
}

}  // namespace cairn::sasl
