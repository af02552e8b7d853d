// Builders shared by the security tests: bindings and principals in one line each.
#pragma once

#include <string>
#include <string_view>

#include "broker/security/acl_binding.h"
#include "broker/security/acl_filter.h"

namespace cairn::broker::security::test {

inline principal user(std::string_view name) {
  return principal::user(name).value();
}

inline acl_binding acl(acl_permission permission, std::string_view who, acl_operation operation,
                       resource_type type, std::string_view name,
                       pattern_type pattern = pattern_type::literal, std::string_view host = "*") {
  return acl_binding{.pattern = {.type = type, .name = std::string(name), .pattern = pattern},
                     .entry = {.principal = principal::parse(who).value(),
                               .host = std::string(host),
                               .operation = operation,
                               .permission = permission}};
}

inline acl_binding allow(std::string_view who, acl_operation operation, resource_type type,
                         std::string_view name, pattern_type pattern = pattern_type::literal,
                         std::string_view host = "*") {
  return acl(acl_permission::allow, who, operation, type, name, pattern, host);
}

inline acl_binding deny(std::string_view who, acl_operation operation, resource_type type,
                        std::string_view name, pattern_type pattern = pattern_type::literal,
                        std::string_view host = "*") {
  return acl(acl_permission::deny, who, operation, type, name, pattern, host);
}

// A resource-pattern-only filter.
inline acl_filter pattern_filter(resource_type type, std::optional<std::string> name,
                                 pattern_type pattern) {
  acl_filter f;
  f.pattern = {.type = type, .name = std::move(name), .pattern = pattern};
  return f;
}

}  // namespace cairn::broker::security::test
