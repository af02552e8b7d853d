// The handler's error category (cairn/es/event_handler_errc.h).
#include <string>

#include "cairn/es/event_handler_errc.h"

namespace cairn::es {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.es.handler"; }

  std::string message(int value) const override {
    switch (static_cast<handler_errc>(value)) {
      case handler_errc::ok:
        return "ok";
      case handler_errc::handler_threw:
        return "the handler threw an exception";
      case handler_errc::wrong_form:
        return "run_once needs a blocking handler and async_run_once a coroutine handler";
      case handler_errc::dlq_partitions:
        return "the dead-letter topic has another partition count than its topic: recreate it "
               "with the same count (keys must land in the same partition numbers)";
      case handler_errc::rebuild_incomplete:
        return "the dead-letter partition could not be read to its end: try again";
      case handler_errc::closed:
        return "the event handler was closed";
    }
    return "unknown cairn.es.handler error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& handler_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::es
