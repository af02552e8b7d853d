// Errors of the authorization library as std::error_code, category "cairn.security". The
// validation refusals are the ones Kafka's CreateAcls answers INVALID_REQUEST for; a front end
// maps them onto its wire code and sends the message along.
#pragma once

#include <system_error>

namespace cairn::broker::security {

enum class errc {
  ok = 0,
  invalid_resource_type,    // a binding with resource type `any` (a filter value)
  invalid_pattern_type,     // a binding with pattern type `any` or `match` (filter values)
  invalid_operation,        // a binding with operation `any` (a filter value)
  invalid_permission,       // a binding with permission `any` (a filter value)
  empty_resource_name,      // a binding whose resource name is empty
  prefixed_wildcard,        // a prefixed pattern named `*` (use a literal `*`)
  invalid_cluster_name,     // a cluster binding named other than `kafka-cluster`
  invalid_principal,        // a principal not of the form `Type:name`
  invalid_host,             // an empty host (`*` is every host)
  value_too_long,           // a name, principal or host longer than a Kafka string can carry
  malformed_acl_json,       // bytes that are not a well-formed ACL binding or ACL set
  unsupported_acl_version,  // an ACL set written by a newer broker (upgrade this one)
  duplicate_binding,        // an ACL set that holds one binding twice
};

const std::error_category& security_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), security_category()};
}

}  // namespace cairn::broker::security

template <>
struct std::is_error_code_enum<cairn::broker::security::errc> : std::true_type {};
