#include "broker/security/principal.h"

#include "broker/security/security_errc.h"

namespace cairn::broker::security {

result<principal> principal::parse(std::string_view text) {
  if (text.size() > kAclStringMax) return errc::value_too_long;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return errc::invalid_principal;
  }
  return principal(std::string(text), colon);
}

result<principal> principal::user(std::string_view name) {
  if (name.empty()) return errc::invalid_principal;
  if (name.size() > kAclStringMax - 5) return errc::value_too_long;
  std::string text = "User:";
  text += name;
  return principal(std::move(text), 4);
}

const principal& principal::wildcard() {
  static const principal instance("User:*", 4);
  return instance;
}

}  // namespace cairn::broker::security
