#include "sdk/errc.h"

#include <string>

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
    }
    return "unknown sdk error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& sdk_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::sdk
