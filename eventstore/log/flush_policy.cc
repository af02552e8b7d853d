#include "eventstore/log/flush_policy.h"

#include <charconv>

#include "eventstore/errc.h"

namespace cairn::eventstore {

result<flush_policy> flush_policy::parse(std::string_view text) {
  if (text == "always") return always();
  if (text == "never") return never();
  constexpr std::string_view prefix = "interval:";
  if (text.starts_with(prefix)) {
    std::string_view digits = text.substr(prefix.size());
    std::int64_t ms = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    if (ec == std::errc{} && end == digits.data() + digits.size() && ms > 0) return every(ms);
  }
  return errc::invalid_argument;
}

std::string flush_policy::to_string() const {
  switch (mode) {
    case kind::always:
      return "always";
    case kind::never:
      return "never";
    case kind::interval:
      return "interval:" + std::to_string(interval_ms);
  }
  return "unknown";
}

}  // namespace cairn::eventstore
