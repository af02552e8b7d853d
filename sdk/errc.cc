#include "cairn/errc.h"

#include <string>

#include "protocol/wire_errc.h"

namespace cairn::sdk {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.sdk"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::buffer_full:
        return "producer buffer is full (buffer_bytes_max): wait for delivery reports before "
               "sending more, or raise buffer_bytes_max";
      case errc::record_too_large:
        return "record is larger than request_bytes_max or buffer_bytes_max: make the record "
               "smaller or raise the limit (and the broker's frame limit)";
      case errc::invalid_partition:
        return "partition is outside the topic's partitions: refresh metadata and pick a "
               "partition below the partition count";
      case errc::invalid_config:
        return "producer configuration is invalid: sizes and timeouts must be positive and "
               "batch_bytes_max must hold at least one record";
      case errc::delivery_timeout:
        return "record was not acknowledged within delivery_timeout_ms (it may or may not have "
               "been written): check that the partition has a reachable leader, then resend";
      case errc::aborted:
        return "producer was closed before the record was acknowledged: flush before closing "
               "to deliver pending records";
      case errc::connect_failed:
        return "could not connect to the broker: check that it runs and that the address is "
               "right (it retries with backoff on its own)";
      case errc::connection_lost:
        return "the connection to the broker broke with the request in flight: retry (an "
               "idempotent producer retries on its own without duplicates)";
      case errc::request_timeout:
        return "the broker did not answer within the request timeout: retry, or raise "
               "request_timeout_ms if the broker is busy (the request may have been applied)";
      case errc::bad_address:
        return "a broker address is not host:port: write it as e.g. 127.0.0.1:9092";
      case errc::no_brokers:
        return "no broker could be reached: check the bootstrap list and that a broker runs";
      case errc::unexpected_response:
        return "the broker answered with an unexpected response kind: client and broker "
               "versions disagree; upgrade the older one";
      case errc::not_assigned:
        return "the partition is not assigned to this consumer: assign() it first";
      case errc::no_position:
        return "the partition has no position: seek() it, or set an auto offset reset policy";
      case errc::timed_out:
        return "the call did not finish within its timeout: call it again or raise the timeout";
      case errc::malformed_group_data:
        return "consumer-group membership data is malformed (truncated, a count or length over "
               "its limit, a negative partition, or out of order): the member that sent it runs "
               "a faulty or incompatible client; fix or upgrade it";
      case errc::subscription_conflict:
        return "assign() and subscribe() are mutually exclusive: a consumer either reads the "
               "partitions it is given or joins a group; unsubscribe() or assign({}) first";
      case errc::not_subscribed:
        return "this call needs a consumer group: subscribe() to topics with a group first";
      case errc::duplicate_member_id:
        return "the group coordinator listed one member id twice in JoinGroup: a broker bug; the "
               "leader refuses to assign (the group retries the rebalance)";
      case errc::tls_bad_file:
        return "a TLS file (CA, certificate or key) cannot be read or is not PEM: check the paths "
               "in the TLS options";
      case errc::tls_untrusted:
        return "TLS: the broker's certificate is not signed by the CA given (check --tls-ca / "
               "tls_options::ca_file)";
      case errc::tls_expired:
        return "TLS: the broker's certificate has expired or is not valid yet: the broker needs "
               "a new one";
      case errc::tls_wrong_host:
        return "TLS: the broker's certificate does not name the host dialled: dial a name or "
               "address its subjectAltName lists";
      case errc::tls_handshake_failed:
        return "TLS handshake failed: the broker does not speak TLS there, or refused this "
               "client (a client certificate it does not accept, or none where it requires one)";
      case errc::consumer_closed:
        return "the consumer was closed: create a new one";
    }
    return "unknown sdk error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& sdk_category() noexcept {
  static const category instance;
  return instance;
}

bool is_retriable(std::error_code ec) noexcept {
  if (ec.category() == sdk_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::connect_failed:
      case errc::connection_lost:
      case errc::request_timeout:
      case errc::no_brokers:
      case errc::buffer_full:
        return true;
      default:
        return false;
    }
  }
  return protocol::is_retriable(ec);
}

}  // namespace cairn::sdk
