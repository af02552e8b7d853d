// The grammar of SCRAM's four messages (RFC 5802 §7), parsed strictly: attribute order as the
// RFC fixes it, every field within its limit (limits.h), user names unescaped (=2C, =3D),
// base64 canonical, nonces printable. Unknown extension attributes are kept aside and otherwise
// ignored, as RFC 5802 §5.1 allows (Kafka clients send `tokenauth=true`); the mandatory-extension
// attribute `m=` is refused. Private to the SASL library; scram_server and scram_client build
// their answers themselves.
#pragma once

#include <cairn/base/result.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/sasl/base64.h"

namespace cairn::sasl::detail {

using extension_list = std::vector<std::pair<std::string, std::string>>;

// gs2-header + client-first-message-bare.
struct client_first_message {
  std::string gs2_header;  // "n,," / "y,," / "n,a=NAME," exactly as sent: c= must repeat it
  std::optional<std::string> authzid;  // unescaped
  std::string username;                // unescaped
  std::string client_nonce;
  std::string bare;  // client-first-message-bare, for AuthMessage
  extension_list extensions;
};

struct server_first_message {
  std::string nonce;  // client nonce + server nonce
  bytes salt;
  int iterations = 0;
};

struct client_final_message {
  bytes channel_binding;  // c=, decoded
  std::string nonce;
  bytes proof;
  std::string without_proof;  // client-final-message-without-proof, for AuthMessage
  extension_list extensions;
};

struct server_final_message {
  std::optional<std::string> error;  // e=server-error-value
  bytes verifier;                    // v=, decoded (empty when error is set)
};

result<client_first_message> parse_client_first(std::string_view message);
// The iteration count is checked against [scram_iterations_min, scram_iterations_max].
result<server_first_message> parse_server_first(std::string_view message);
result<client_final_message> parse_client_final(std::string_view message);
result<server_final_message> parse_server_final(std::string_view message);

// saslname escaping (RFC 5802 §5.1): ',' as "=2C" and '=' as "=3D"; any other '=' sequence,
// an empty name, a NUL, invalid UTF-8 or a name over username_bytes_max is refused.
std::string encode_saslname(std::string_view name);
result<std::string> decode_saslname(std::string_view text);

// A nonce: 1..nonce_bytes_max printable ASCII characters other than ','.
bool is_valid_nonce(std::string_view nonce);
// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace cairn::sasl::detail
