#include "broker/errc.h"

#include <string>

namespace cairn::broker {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.broker"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::out_of_order_sequence:
        return "batch sequence does not follow the producer's last batch on this partition";
      case errc::invalid_producer_epoch:
        return "producer epoch is older than the partition's (a newer producer fenced this one)";
      case errc::invalid_stream_batch:
        return "stream events must be a non-empty batch whose records carry the stream's key";
      case errc::stream_index_unavailable:
        return "the partition's stream index is unavailable";
      case errc::unknown_topic:
        return "unknown topic";
      case errc::unknown_partition:
        return "unknown partition";
      case errc::topic_already_exists:
        return "topic already exists";
      case errc::invalid_topic_config:
        return "invalid topic configuration";
      case errc::invalid_replica_assignment:
        return "invalid replica assignment";
      case errc::records_not_deletable:
        return "records of a compacted topic cannot be deleted (its cleanup policy is compact)";
    }
    return "unknown broker error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& broker_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::broker
