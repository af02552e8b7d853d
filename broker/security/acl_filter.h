// Which bindings a DescribeAcls lists and a DeleteAcls removes: Kafka's AclBindingFilter. An
// empty optional (null on the wire) and the `any` values match everything in their field.
//
// The pattern part matches a binding's resource pattern:
//   - resource type: `any`, or equal;
//   - pattern type `any`: a pattern of any type, whose name equals the filter's name;
//   - pattern type `literal` or `prefixed`: a pattern of that type whose name equals the filter's;
//   - pattern type `match`: every pattern that would apply to a resource of the filter's name
//     (the literal name, the literal `*`, and each prefixed pattern the name starts with). With
//     no name, `match` matches every literal and prefixed pattern.
// The entry part matches a binding's entry field by field, exactly: principal and host compare
// as strings (a filter for `User:alice` does not list `User:*` ACLs, nor a filter for host
// 10.0.0.1 the `*` ones), operation and permission are `any` or equal — `all` as a filter
// value matches only ACLs whose operation is `all`.
#pragma once

#include <optional>
#include <string>

#include "broker/security/acl_binding.h"

namespace cairn::broker::security {

struct resource_pattern_filter {
  resource_type type = resource_type::any;
  std::optional<std::string> name;  // nullopt: any name
  pattern_type pattern = pattern_type::any;

  bool matches(const resource_pattern& p) const noexcept;
};

struct acl_entry_filter {
  std::optional<security::principal> principal;  // nullopt: any principal
  std::optional<std::string> host;               // nullopt: any host
  acl_operation operation = acl_operation::any;
  acl_permission permission = acl_permission::any;

  bool matches(const acl_entry& e) const noexcept;
};

struct acl_filter {
  resource_pattern_filter pattern;
  acl_entry_filter entry;

  // The filter that matches every binding (DeleteAcls with it removes them all).
  static acl_filter any() { return {}; }
  // The filter that matches exactly this binding.
  static acl_filter exact(const acl_binding& b);

  bool matches(const acl_binding& b) const noexcept {
    return pattern.matches(b.pattern) && entry.matches(b.entry);
  }
};

}  // namespace cairn::broker::security
