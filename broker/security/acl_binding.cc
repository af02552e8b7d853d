#include "broker/security/acl_binding.h"

#include <fmt/format.h>

#include "broker/security/security_errc.h"

namespace cairn::broker::security {

result<void> validate(const acl_binding& b) {
  if (b.pattern.type == resource_type::any) return errc::invalid_resource_type;
  if (b.pattern.pattern != pattern_type::literal && b.pattern.pattern != pattern_type::prefixed) {
    return errc::invalid_pattern_type;
  }
  if (b.entry.operation == acl_operation::any) return errc::invalid_operation;
  if (b.entry.permission == acl_permission::any) return errc::invalid_permission;
  if (b.pattern.name.empty()) return errc::empty_resource_name;
  if (b.pattern.pattern == pattern_type::prefixed && b.pattern.name == kWildcard) {
    return errc::prefixed_wildcard;
  }
  if (b.pattern.type == resource_type::cluster && b.pattern.name != kClusterResourceName) {
    return errc::invalid_cluster_name;
  }
  if (b.entry.host.empty()) return errc::invalid_host;
  if (b.pattern.name.size() > kAclStringMax || b.entry.host.size() > kAclStringMax) {
    return errc::value_too_long;
  }
  return success();
}

std::string to_string(const acl_binding& b) {
  return fmt::format("{} {} from {} {} on {} {} {}", to_string(b.entry.permission),
                     b.entry.principal.str(), b.entry.host, display_name(b.entry.operation),
                     to_string(b.pattern.type), to_string(b.pattern.pattern), b.pattern.name);
}

}  // namespace cairn::broker::security
