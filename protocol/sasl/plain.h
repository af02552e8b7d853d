// PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd, the password in clear. A front end offers
// it only over TLS; the server checks the password against the user's stored SCRAM credential
// (verify_password in scram_credential.h), so PLAIN needs no credential of its own.
#pragma once

#include <cairn/base/result.h>

#include <string>
#include <string_view>

namespace cairn::sasl {

struct plain_message {
  std::string username;  // authcid
  std::string password;
};

// Strict: exactly two NUL separators, a non-empty user name and password within their limits
// (limits.h), valid UTF-8, and an authzid that is empty or equal to the user name (Kafka's rule:
// no acting as another user). errc::malformed_message, errc::message_too_large,
// errc::invalid_encoding or errc::authzid_not_permitted otherwise.
result<plain_message> parse_plain(std::string_view message);

// The client's message, with an empty authzid. errc::invalid_argument for a user name or
// password that is empty, over its limit, not UTF-8 or contains a NUL.
result<std::string> make_plain(std::string_view username, std::string_view password);

}  // namespace cairn::sasl
