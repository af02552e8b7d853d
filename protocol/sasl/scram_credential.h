// What a server stores for a SCRAM user (RFC 5802 §3, Kafka's ScramCredential): the salt, the
// iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
// ServerKey = HMAC(SaltedPassword, "Server Key"). The password is never kept: it is hashed once
// when the credential is made and the salted password is wiped.
//
// Text form, for storage and replication (one line, no spaces):
//   MECHANISM:ITERATIONS:base64(salt):base64(stored_key):base64(server_key)
//   e.g.
//   SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ==:WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:...
#pragma once

#include <cairn/base/result.h>

#include <string>
#include <string_view>

#include "protocol/sasl/base64.h"
#include "protocol/sasl/limits.h"
#include "protocol/sasl/mechanism.h"

namespace cairn::sasl {

struct scram_credential {
  mechanism mech = mechanism::scram_sha_256;
  bytes salt;
  int iterations = scram_iterations_default;
  bytes stored_key;
  bytes server_key;

  friend bool operator==(const scram_credential&, const scram_credential&) = default;
};

// A credential for `password` with a fresh random salt (RAND_bytes). errc::unknown_mechanism for
// PLAIN, errc::iteration_count_out_of_range outside [scram_iterations_min, scram_iterations_max],
// errc::invalid_argument for an empty, over-long or non-UTF-8 password.
result<scram_credential> make_scram_credential(mechanism m, std::string_view password,
                                               int iterations = scram_iterations_default);
// The same with a given salt (1..salt_bytes_max bytes): for tests against published vectors.
result<scram_credential> make_scram_credential(mechanism m, std::string_view password,
                                               const bytes& salt, int iterations);
// From a salted password (Hi(password, salt, i)), which is what Kafka's
// AlterUserScramCredentials carries instead of the password.
result<scram_credential> scram_credential_from_salted_password(mechanism m, const bytes& salt,
                                                               int iterations,
                                                               const bytes& salted_password);

// Whether `password` is this credential's (constant time in the keys): lets PLAIN authenticate
// against stored SCRAM credentials, so a user has one credential whichever mechanism it uses.
result<bool> verify_password(const scram_credential& credential, std::string_view password);

// errc::bad_credential unless the fields are consistent: a SCRAM mechanism, iterations within
// bounds, a 1..salt_bytes_max salt, keys of the mechanism's digest size.
result<void> validate(const scram_credential& credential);

std::string to_text(const scram_credential& credential);
// Strict: exactly five fields, a known SCRAM mechanism, canonical decimal iterations within
// bounds, canonical base64, key sizes matching the mechanism. errc::bad_credential otherwise.
result<scram_credential> parse_scram_credential(std::string_view text);

}  // namespace cairn::sasl
