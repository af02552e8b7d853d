#include "broker/raftlog/errc.h"

#include <string>

namespace cairn::raftlog {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "raftlog"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::state_file_corrupt:
        return "raft state file is corrupt (truncated, bad CRC or bad values)";
      case errc::state_file_version:
        return "raft state file has an unknown format version";
      case errc::not_replicated:
        return "partition is not in replicated mode";
    }
    return "unknown raftlog error";
  }
};

}  // namespace

const std::error_category& raftlog_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::raftlog
