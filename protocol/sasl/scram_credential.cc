#include "protocol/sasl/scram_credential.h"

#include <array>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/scram_crypto.h"
#include "protocol/sasl/scram_message.h"

namespace cairn::sasl {
namespace {

result<void> check_password(std::string_view password) {
  if (password.empty() || password.size() > password_bytes_max) return errc::invalid_argument;
  if (!detail::is_valid_utf8(password)) return errc::invalid_argument;
  return success();
}

result<void> check_parameters(mechanism m, const bytes& salt, int iterations) {
  if (!is_scram(m)) return errc::unknown_mechanism;
  if (iterations < scram_iterations_min || iterations > scram_iterations_max) {
    return errc::iteration_count_out_of_range;
  }
  if (salt.empty() || salt.size() > salt_bytes_max) return errc::invalid_argument;
  return success();
}

// ITERATIONS as canonical decimal (no sign, no leading zero) within bounds.
result<int> parse_iterations(std::string_view text) {
  if (text.empty() || text.size() > 5 || text[0] == '0') return errc::bad_credential;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return errc::bad_credential;
    n = n * 10 + (c - '0');
  }
  if (n < scram_iterations_min || n > scram_iterations_max) return errc::bad_credential;
  return n;
}

result<bytes> parse_field(std::string_view text) {
  auto decoded = base64_decode(text);
  if (!decoded) return errc::bad_credential;
  return std::move(decoded).value();
}

}  // namespace

result<scram_credential> make_scram_credential(mechanism m, std::string_view password,
                                               int iterations) {
  CAIRN_TRY(check_parameters(m, bytes(1), iterations));
  CAIRN_TRY(auto salt, detail::random_bytes(scram_salt_bytes));
  return make_scram_credential(m, password, salt, iterations);
}

result<scram_credential> make_scram_credential(mechanism m, std::string_view password,
                                               const bytes& salt, int iterations) {
  CAIRN_TRY(check_parameters(m, salt, iterations));
  CAIRN_TRY(check_password(password));
  CAIRN_TRY(auto salted, detail::salted_password(m, password, salt, iterations));
  auto credential = scram_credential_from_salted_password(m, salt, iterations, salted);
  detail::cleanse(salted);
  return credential;
}

result<scram_credential> scram_credential_from_salted_password(mechanism m, const bytes& salt,
                                                               int iterations,
                                                               const bytes& salted_password) {
  CAIRN_TRY(check_parameters(m, salt, iterations));
  if (salted_password.size() != detail::digest_bytes(m)) return errc::invalid_argument;
  CAIRN_TRY(auto client_key, detail::hmac(m, salted_password, detail::as_bytes("Client Key")));
  auto stored_key = detail::hash(m, client_key);
  detail::cleanse(client_key);
  if (!stored_key) return stored_key.error();
  CAIRN_TRY(auto server_key, detail::hmac(m, salted_password, detail::as_bytes("Server Key")));
  return scram_credential{m, salt, iterations, std::move(stored_key).value(),
                          std::move(server_key)};
}

result<bool> verify_password(const scram_credential& credential, std::string_view password) {
  CAIRN_TRY(validate(credential));
  if (check_password(password).has_error()) return false;
  CAIRN_TRY(auto candidate, make_scram_credential(credential.mech, password, credential.salt,
                                                  credential.iterations));
  // Both keys, with no early exit between them.
  const bool stored_ok = detail::equal_constant_time(candidate.stored_key, credential.stored_key);
  const bool server_ok = detail::equal_constant_time(candidate.server_key, credential.server_key);
  return stored_ok & server_ok;
}

result<void> validate(const scram_credential& credential) {
  if (!is_scram(credential.mech)) return errc::bad_credential;
  if (credential.iterations < scram_iterations_min ||
      credential.iterations > scram_iterations_max) {
    return errc::bad_credential;
  }
  if (credential.salt.empty() || credential.salt.size() > salt_bytes_max) {
    return errc::bad_credential;
  }
  const std::size_t digest = detail::digest_bytes(credential.mech);
  if (credential.stored_key.size() != digest || credential.server_key.size() != digest) {
    return errc::bad_credential;
  }
  return success();
}

std::string to_text(const scram_credential& credential) {
  std::string out(to_string(credential.mech));
  out += ':';
  out += std::to_string(credential.iterations);
  out += ':';
  out += base64_encode(credential.salt);
  out += ':';
  out += base64_encode(credential.stored_key);
  out += ':';
  out += base64_encode(credential.server_key);
  return out;
}

result<scram_credential> parse_scram_credential(std::string_view text) {
  // The longest valid text: a SHA-512 credential with the largest salt.
  constexpr std::size_t text_bytes_max = 13 + 1 + 5 + 1 + (salt_bytes_max + 2) / 3 * 4 + 2 * 89;
  if (text.size() > text_bytes_max) return errc::bad_credential;
  std::array<std::string_view, 5> fields;
  std::size_t count = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = text.find(':', start);
    if (count == fields.size()) return errc::bad_credential;
    fields[count++] = text.substr(start, colon == std::string_view::npos ? colon : colon - start);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (count != fields.size()) return errc::bad_credential;

  scram_credential credential;
  auto m = parse_mechanism(fields[0]);
  if (!m || !is_scram(m.value())) return errc::bad_credential;
  credential.mech = m.value();
  CAIRN_TRY(credential.iterations, parse_iterations(fields[1]));
  CAIRN_TRY(credential.salt, parse_field(fields[2]));
  CAIRN_TRY(credential.stored_key, parse_field(fields[3]));
  CAIRN_TRY(credential.server_key, parse_field(fields[4]));
  CAIRN_TRY(validate(credential));
  return credential;
}

}  // namespace cairn::sasl
