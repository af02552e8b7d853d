#include "broker/security/acl_filter.h"

namespace cairn::broker::security {

bool resource_pattern_filter::matches(const resource_pattern& p) const noexcept {
  if (type != resource_type::any && type != p.type) return false;
  if (pattern != pattern_type::any && pattern != pattern_type::match && pattern != p.pattern) {
    return false;
  }
  if (!name) return true;
  if (pattern != pattern_type::match) return *name == p.name;
  // `match`: would this pattern apply to a resource called *name?
  switch (p.pattern) {
    case pattern_type::literal:
      return p.name == *name || p.name == kWildcard;
    case pattern_type::prefixed:
      return name->starts_with(p.name);
    case pattern_type::any:
    case pattern_type::match:
      return false;  // filter values, never in a binding
  }
  return false;
}

bool acl_entry_filter::matches(const acl_entry& e) const noexcept {
  if (principal && *principal != e.principal) return false;
  if (host && *host != e.host) return false;
  if (operation != acl_operation::any && operation != e.operation) return false;
  if (permission != acl_permission::any && permission != e.permission) return false;
  return true;
}

acl_filter acl_filter::exact(const acl_binding& b) {
  return acl_filter{
      .pattern = {.type = b.pattern.type, .name = b.pattern.name, .pattern = b.pattern.pattern},
      .entry = {.principal = b.entry.principal,
                .host = b.entry.host,
                .operation = b.entry.operation,
                .permission = b.entry.permission}};
}

}  // namespace cairn::broker::security
