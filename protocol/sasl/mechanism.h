// The SASL mechanisms Cairn speaks, named as Kafka spells them (SaslHandshake's mechanism list,
// `sasl.mechanism` in a Kafka client's configuration). Names are case-sensitive, as in Kafka.
#pragma once

#include <cairn/base/result.h>

#include <string_view>

namespace cairn::sasl {

enum class mechanism {
  scram_sha_256,  // SCRAM-SHA-256 (RFC 7677)
  scram_sha_512,  // SCRAM-SHA-512 (Kafka's name; same construction with SHA-512)
  plain,          // PLAIN (RFC 4616): the password in clear, so only over TLS
};

// "SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN".
std::string_view to_string(mechanism m) noexcept;

// The exact Kafka name, else errc::unknown_mechanism.
result<mechanism> parse_mechanism(std::string_view name);

inline bool is_scram(mechanism m) noexcept {
  return m == mechanism::scram_sha_256 || m == mechanism::scram_sha_512;
}

}  // namespace cairn::sasl
