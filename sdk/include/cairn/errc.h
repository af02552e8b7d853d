// Errors of the client SDK that a caller can act on, as std::error_code (category "cairn.sdk").
// Each message says what to do about it.
#pragma once

#include <system_error>

namespace cairn::sdk {

enum class errc {
  ok = 0,
  buffer_full,        // buffer_bytes_max reached: back-pressure until in-flight batches complete
  record_too_large,   // one record exceeds request_bytes_max or buffer_bytes_max on its own
  invalid_partition,  // a partition number below 0 or not below the topic's partition count
  invalid_config,     // a producer setting is out of range (see accumulator_config)
  delivery_timeout,   // not acknowledged within delivery_timeout_ms; it may or may not be written
  aborted,            // the producer was closed before the record was acknowledged
  // --- the I/O layer (connection, client) ---
  connect_failed,       // no TCP connection (or no handshake) to a broker: retriable
  connection_lost,      // the connection broke with the request in flight: retriable
  request_timeout,      // no response within the request timeout: retriable (outcome unknown)
  bad_address,          // a bootstrap address is not "host:port"
  no_brokers,           // no bootstrap broker and no known broker answered: retriable
  unexpected_response,  // the broker answered with another kind than asked: a protocol bug
  not_assigned,         // consumer: the partition is not assigned to this consumer
  no_position,          // consumer: the partition has no position (seek first)
  timed_out,            // a blocking call (flush, poll) did not finish within its timeout
  // --- consumer groups ---
  malformed_group_data,   // member subscription or assignment bytes that fail to decode or encode
  subscription_conflict,  // consumer: assign() and subscribe() mixed; one mode per consumer
  not_subscribed,         // consumer: a group call (commit, committed) without subscribe()
  duplicate_member_id,    // group leader: the broker listed one member id twice
  consumer_closed,        // consumer: used after close()
  // --- TLS (client_options::tls) ---
  tls_bad_file,          // a TLS file (CA, certificate, key) cannot be read or is not PEM
  tls_untrusted,         // the broker's certificate does not chain to the CA: wrong --tls-ca?
  tls_expired,           // the broker's certificate has expired (or is not valid yet)
  tls_wrong_host,        // the broker's certificate does not name the host dialled
  tls_handshake_failed,  // no TLS session: the broker refused us or does not speak TLS
};

// Kafka's rule extended to the SDK's own errors: may the same call succeed if made again
// (after a backoff)? Protocol errors defer to protocol::is_retriable.
bool is_retriable(std::error_code ec) noexcept;

const std::error_category& sdk_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sdk_category()};
}

}  // namespace cairn::sdk

template <>
struct std::is_error_code_enum<cairn::sdk::errc> : std::true_type {};
