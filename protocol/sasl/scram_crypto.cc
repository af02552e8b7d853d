#include "protocol/sasl/scram_crypto.h"

#include <cairn/base/assert.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/limits.h"

namespace cairn::sasl::detail {
namespace {

const EVP_MD* digest(mechanism m) {
  CAIRN_ASSERT(is_scram(m), "not a SCRAM mechanism: {}", to_string(m));
  return m == mechanism::scram_sha_256 ? EVP_sha256() : EVP_sha512();
}

}  // namespace

std::size_t digest_bytes(mechanism m) {
  return m == mechanism::scram_sha_256 ? 32 : 64;
}

result<bytes> hash(mechanism m, byte_span data) {
  bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, digest(m), nullptr) != 1) {
    return errc::crypto_failure;
  }
  out.resize(size);
  return out;
}

result<bytes> hmac(mechanism m, byte_span key, byte_span data) {
  CAIRN_ASSERT(key.size() <= INT_MAX, "HMAC key of {} bytes", key.size());
  bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (HMAC(digest(m), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &size) == nullptr) {
    return errc::crypto_failure;
  }
  out.resize(size);
  return out;
}

result<bytes> salted_password(mechanism m, std::string_view password, byte_span salt,
                              int iterations) {
  // Callers bound all three; these are programmer errors, not input errors.
  CAIRN_ASSERT(password.size() <= password_bytes_max, "password of {} bytes", password.size());
  CAIRN_ASSERT(salt.size() <= salt_bytes_max, "salt of {} bytes", salt.size());
  CAIRN_ASSERT(iterations >= 1 && iterations <= scram_iterations_max, "iterations {}", iterations);
  bytes out(digest_bytes(m));
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, digest(m),
                        static_cast<int>(out.size()), out.data()) != 1) {
    return errc::crypto_failure;
  }
  return out;
}

bytes xor_bytes(byte_span a, byte_span b) {
  CAIRN_ASSERT(a.size() == b.size(), "xor of {} and {} bytes", a.size(), b.size());
  bytes out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    out[i] = a[i] ^ b[i];
  return out;
}

bool equal_constant_time(byte_span a, byte_span b) {
  // The sizes are public (the mechanism fixes them); only the contents must not leak.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

result<bytes> random_bytes(std::size_t n) {
  CAIRN_ASSERT(n <= 1024, "random_bytes({})", n);
  bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) return errc::crypto_failure;
  return out;
}

result<std::string> random_nonce() {
  CAIRN_TRY(auto raw, random_bytes(scram_nonce_random_bytes));
  return base64_encode(raw);
}

void cleanse(bytes& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

void cleanse(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

}  // namespace cairn::sasl::detail
