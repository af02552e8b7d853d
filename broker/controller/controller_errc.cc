#include "broker/controller/controller_errc.h"

#include <string>

namespace cairn::broker::controller {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.controller"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::bad_cluster_map:
        return "the cluster map must be ID=HOST:PORT,... with unique node ids above 0";
      case errc::node_not_in_cluster:
        return "this broker's node id is not in the cluster map";
      case errc::malformed_command:
        return "malformed controller command";
      case errc::unsupported_command_version:
        return "controller command from a newer broker version: upgrade this broker";
      case errc::unknown_command:
        return "unknown controller command type";
      case errc::invalid_assignment:
        return "replica assignment does not match the topic (count, duplicates or node ids)";
      case errc::malformed_snapshot:
        return "malformed controller snapshot";
      case errc::stale_topic_version:
        return "the topic changed since this alter was computed: compute it again";
      case errc::producer_ids_exhausted:
        return "no producer ids are left to grant";
    }
    return "unknown controller error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& controller_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::broker::controller
