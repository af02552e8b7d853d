#include "cairn/es/errc.h"

#include <string>

namespace cairn::es {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.es"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::unknown_event_type:
        return "event type is not registered: add the event to the aggregate's variant or "
               "register an upcaster for the old type";
      case errc::malformed_event:
        return "event data is not valid JSON for its type: check the producer of the event or "
               "add an upcaster";
      case errc::upcast_loop:
        return "upcasters did not reach a registered event type: check for a cycle";
      case errc::retries_exhausted:
        return "the stream kept changing while the command was retried: retry later or raise "
               "retries_max";
      case errc::malformed_snapshot:
        return "snapshot bytes do not decode: the snapshot is ignored and the stream replayed";
      case errc::stream_too_long:
        return "stream has more pages than read_pages_max: take snapshots or raise the bound";
      case errc::wrong_expected_version:
        return "the stream is not at the expected version: reload and decide again";
      case errc::malformed_value:
        return "a read model value does not parse as the type asked for: rebuild the model "
               "after changing what apply() stores";
    }
    return "unknown cairn.es error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& es_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::es
