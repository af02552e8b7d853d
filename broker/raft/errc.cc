#include "broker/raft/errc.h"

#include <string>

namespace cairn::raft {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "raft"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok:
        return "ok";
      case errc::not_leader:
        return "not the leader";
      case errc::transfer_in_progress:
        return "leadership transfer in progress";
      case errc::config_change_pending:
        return "a configuration change is pending";
      case errc::leader_not_ready:
        return "the leader has not committed an entry of its term";
      case errc::invalid_config_change:
        return "invalid configuration change";
      case errc::invalid_transfer_target:
        return "invalid leadership transfer target";
    }
    return "unknown raft error";
  }
};

}  // namespace

const std::error_category& raft_category() noexcept {
  static const category c;
  return c;
}

}  // namespace cairn::raft
