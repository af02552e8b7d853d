// Errors of the SASL mechanisms as std::error_code. A front end answers any of them with its
// protocol's authentication failure (Kafka: SASL_AUTHENTICATION_FAILED with the message) and
// closes the connection; none is retriable on the same exchange.
//
// The messages say what was wrong with the *form* of a message; a wrong password, a wrong proof
// and an unknown user all read "authentication failed", so a peer learns nothing about which
// part of its credentials was wrong.
#pragma once

#include <system_error>

namespace cairn::sasl {

enum class errc {
  ok = 0,                         // success
  message_too_large,              // a message or one of its fields is over its limit (limits.h)
  malformed_message,              // bad syntax: a missing, misplaced or unknown attribute
  invalid_encoding,               // bad base64, a bad saslname escape, invalid UTF-8, a NUL
  channel_binding_not_supported,  // the client asked for channel binding (gs2 `p=`)
  channel_binding_mismatch,       // client-final's `c=` is not the client-first's gs2 header
  authzid_not_permitted,          // an authorization id other than the user itself
  mandatory_extension,            // a SCRAM `m=` extension, which we must refuse (RFC 5802)
  nonce_mismatch,                 // a nonce that does not continue or repeat the exchange's
  iteration_count_out_of_range,   // outside [scram_iterations_min, scram_iterations_max]
  authentication_failed,          // wrong password or proof, or an unknown user
  server_signature_mismatch,      // client: the server could not prove it knows the credential
  server_rejected,                // client: the server answered server-final with `e=`
  unknown_mechanism,              // not SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN
  bad_credential,                 // a stored credential (text or fields) is not valid
  invalid_argument,               // a local argument (user name, password) is empty or too long
  out_of_order,                   // a message fed in the wrong state of the exchange
  crypto_failure,                 // OpenSSL failed (no entropy, allocation failure)
};

const std::error_category& sasl_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sasl_category()};
}

}  // namespace cairn::sasl

template <>
struct std::is_error_code_enum<cairn::sasl::errc> : std::true_type {};
