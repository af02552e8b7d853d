// An ACL: a resource pattern (which resources) bound to an entry (who, from where, doing what,
// allowed or denied). What CreateAcls adds, DescribeAcls lists and DeleteAcls removes.
#pragma once

#include <compare>
#include <string>

#include "broker/security/acl_types.h"
#include "broker/security/principal.h"
#include "cairn/base/result.h"

namespace cairn::broker::security {

// Which resources: `literal` names one resource (or, named `*`, every resource of the type);
// `prefixed` every resource whose name starts with `name`.
struct resource_pattern {
  resource_type type = resource_type::topic;
  std::string name;
  pattern_type pattern = pattern_type::literal;

  friend auto operator<=>(const resource_pattern&, const resource_pattern&) = default;
};

// Who may (or may not) do what from where. `host` is the client's address as the front end
// prints it (Asio's address::to_string()), or `*` for every host.
struct acl_entry {
  security::principal principal;
  std::string host{kWildcard};
  acl_operation operation = acl_operation::all;
  acl_permission permission = acl_permission::allow;

  friend auto operator<=>(const acl_entry&, const acl_entry&) = default;
};

struct acl_binding {
  resource_pattern pattern;
  acl_entry entry;

  // Sorted by pattern, then entry: the order of listings and of the JSON encoding.
  friend auto operator<=>(const acl_binding&, const acl_binding&) = default;
};

// What CreateAcls refuses, checked in this order: a filter value in a binding (resource type
// `any`, pattern type `any`/`match`, operation `any`, permission `any`), an empty name, a
// prefixed `*`, the cluster resource named other than `kafka-cluster`, an empty host, and a
// name or host longer than kAclStringMax. The principal is valid by construction.
result<void> validate(const acl_binding& binding);

// One line for logs and the CLI:
// `allow User:alice from * Write on topic literal payments`.
std::string to_string(const acl_binding& binding);

}  // namespace cairn::broker::security
