#include "protocol/sasl/mechanism.h"

#include "protocol/sasl/errc.h"

namespace cairn::sasl {

std::string_view to_string(mechanism m) noexcept {
  switch (m) {
    case mechanism::scram_sha_256:
      return "SCRAM-SHA-256";
    case mechanism::scram_sha_512:
      return "SCRAM-SHA-512";
    case mechanism::plain:
      return "PLAIN";
  }
  return "UNKNOWN";
}

result<mechanism> parse_mechanism(std::string_view name) {
  for (mechanism m : {mechanism::scram_sha_256, mechanism::scram_sha_512, mechanism::plain}) {
    if (name == to_string(m)) return m;
  }
  return errc::unknown_mechanism;
}

}  // namespace cairn::sasl
