#include <string>

#include "cairn/es/process_manager_errc.h"

namespace cairn::es {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.es.process"; }

  std::string message(int value) const override {
    switch (static_cast<process_errc>(value)) {
      case process_errc::ok:
        return "ok";
      case process_errc::bad_instance_id:
        return "process instance id is empty, holds a NUL byte or is over 200 bytes: fix "
               "correlate()";
      case process_errc::bad_timeout_name:
        return "timeout name is empty, holds a NUL byte or is over 200 bytes";
      case process_errc::malformed_state:
        return "stored process state does not fit the state type: a schema change needs a "
               "migration of the state database";
      case process_errc::corrupt_store:
        return "process store entry does not decode: the directory holds another database";
      case process_errc::not_started:
        return "process manager not started: call start(consumer) (blocking) first";
      case process_errc::no_route:
        return "no command sender for this topic: add it to route_commands";
    }
    return "unknown cairn.es.process error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& process_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::es
