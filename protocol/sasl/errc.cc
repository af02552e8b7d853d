#include "protocol/sasl/errc.h"

#include <string>

namespace cairn::sasl {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.sasl"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::message_too_large:
        return "SASL message or field too large";
      case errc::malformed_message:
        return "malformed SASL message";
      case errc::invalid_encoding:
        return "invalid encoding in SASL message (base64, user name escape or UTF-8)";
      case errc::channel_binding_not_supported:
        return "SCRAM channel binding is not supported: use the `n` gs2 flag";
      case errc::channel_binding_mismatch:
        return "SCRAM channel binding does not match the client-first message";
      case errc::authzid_not_permitted:
        return "authorization id must be empty or equal to the user name";
      case errc::mandatory_extension:
        return "SCRAM mandatory extension not supported";
      case errc::nonce_mismatch:
        return "SCRAM nonce does not match the exchange";
      case errc::iteration_count_out_of_range:
        return "SCRAM iteration count outside 4096..16384";
      case errc::authentication_failed:
        return "authentication failed";
      case errc::server_signature_mismatch:
        return "the server's SCRAM signature is wrong: it does not hold this user's credential";
      case errc::server_rejected:
        return "the server refused the SCRAM exchange";
      case errc::unknown_mechanism:
        return "unknown SASL mechanism: use SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN";
      case errc::bad_credential:
        return "invalid stored SCRAM credential";
      case errc::invalid_argument:
        return "invalid user name or password (empty, too long, or not UTF-8)";
      case errc::out_of_order:
        return "SASL message out of order for this exchange";
      case errc::crypto_failure:
        return "cryptographic library failure";
    }
    return "unknown SASL error";
  }
};

}  // namespace

const std::error_category& sasl_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::sasl
