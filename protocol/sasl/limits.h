// Limits on SASL input. Every SASL message arrives from an unauthenticated peer (or, for the
// client, from a server it has not yet verified), so each field has a bound, checked before the
// field is decoded or copied, and each bound names the attack it stops.
#pragma once

#include <cstddef>

namespace cairn::sasl {

// A whole SCRAM or PLAIN message. Stops a peer from making us scan or copy an unbounded buffer
// before it has proven anything; a legitimate message is a few hundred bytes.
inline constexpr std::size_t message_bytes_max = 4096;

// A user name after unescaping. Bounds what the credential lookup is asked for (it may hit a
// store) and what an authenticated principal can be.
inline constexpr std::size_t username_bytes_max = 256;

// A password. PBKDF2 and HMAC hash the password once per iteration block: a bound keeps a
// hostile PLAIN message from buying megabytes of hashing per attempt.
inline constexpr std::size_t password_bytes_max = 1024;

// A nonce: the client's part, and the whole client+server nonce (the client's part plus ours
// must fit). Bounds the memory kept per half-open exchange and the bytes echoed back.
inline constexpr std::size_t client_nonce_bytes_max = 128;
inline constexpr std::size_t nonce_bytes_max = 256;

// A salt after base64 decoding. Bounds what a hostile server can make the client hash.
inline constexpr std::size_t salt_bytes_max = 256;

// The number of extension attributes a SCRAM message may carry (they are ignored): bounds the
// parsing work and what the server keeps for its caller.
inline constexpr std::size_t extension_count_max = 16;

// SCRAM iteration counts, Kafka's bounds for both mechanisms (ScramMechanism: 4096..16384).
// The floor keeps a man in the middle from downgrading the client to a cheap hash it can brute
// force offline; the ceiling keeps a hostile server (or a corrupted credential record) from
// making a client or the broker spin on PBKDF2.
inline constexpr int scram_iterations_min = 4096;
inline constexpr int scram_iterations_max = 16384;
inline constexpr int scram_iterations_default = 4096;

// The salt length of credentials we create (RFC 5802 leaves it open; 128 bits is enough to make
// precomputation useless, 256 costs nothing).
inline constexpr std::size_t scram_salt_bytes = 32;

// The random bytes behind each side's nonce part (base64-encoded on the wire).
inline constexpr std::size_t scram_nonce_random_bytes = 24;

}  // namespace cairn::sasl
