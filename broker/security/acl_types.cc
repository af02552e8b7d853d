#include "broker/security/acl_types.h"

#include <array>

namespace cairn::broker::security {
namespace {

constexpr std::array kResourceTypes{resource_type::any, resource_type::topic, resource_type::group,
                                    resource_type::cluster, resource_type::transactional_id};
constexpr std::array kPatternTypes{pattern_type::any, pattern_type::match, pattern_type::literal,
                                   pattern_type::prefixed};
constexpr std::array kOperations{acl_operation::any,
                                 acl_operation::all,
                                 acl_operation::read,
                                 acl_operation::write,
                                 acl_operation::create,
                                 acl_operation::delete_,
                                 acl_operation::alter,
                                 acl_operation::describe,
                                 acl_operation::cluster_action,
                                 acl_operation::describe_configs,
                                 acl_operation::alter_configs,
                                 acl_operation::idempotent_write};
constexpr std::array kPermissions{acl_permission::any, acl_permission::deny, acl_permission::allow};

// Each enum's values are its codes from 1 up without gaps, so a code is valid when it lies in
// [first, last] of the table above.
template <class E, std::size_t N>
std::optional<E> from_code(const std::array<E, N>& values, std::int8_t c) noexcept {
  if (c < code(values.front()) || c > code(values.back())) return std::nullopt;
  return static_cast<E>(c);
}

// Equal ignoring ASCII case, '_' and '-'.
bool loose_equal(std::string_view input, std::string_view name) noexcept {
  std::size_t i = 0;
  std::size_t j = 0;
  for (;;) {
    while (i < input.size() && (input[i] == '_' || input[i] == '-'))
      ++i;
    while (j < name.size() && name[j] == '_')
      ++j;
    if (i == input.size() || j == name.size()) return i == input.size() && j == name.size();
    char a = input[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != name[j]) return false;
    ++i;
    ++j;
  }
}

template <class E, std::size_t N>
std::optional<E> parse(const std::array<E, N>& values, std::string_view s) noexcept {
  for (E v : values) {
    if (loose_equal(s, to_string(v))) return v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<resource_type> resource_type_from_code(std::int8_t c) noexcept {
  return from_code(kResourceTypes, c);
}
std::optional<pattern_type> pattern_type_from_code(std::int8_t c) noexcept {
  return from_code(kPatternTypes, c);
}
std::optional<acl_operation> operation_from_code(std::int8_t c) noexcept {
  return from_code(kOperations, c);
}
std::optional<acl_permission> permission_from_code(std::int8_t c) noexcept {
  return from_code(kPermissions, c);
}

std::string_view to_string(resource_type t) noexcept {
  switch (t) {
    case resource_type::any:
      return "any";
    case resource_type::topic:
      return "topic";
    case resource_type::group:
      return "group";
    case resource_type::cluster:
      return "cluster";
    case resource_type::transactional_id:
      return "transactional_id";
  }
  return "unknown";
}

std::string_view to_string(pattern_type t) noexcept {
  switch (t) {
    case pattern_type::any:
      return "any";
    case pattern_type::match:
      return "match";
    case pattern_type::literal:
      return "literal";
    case pattern_type::prefixed:
      return "prefixed";
  }
  return "unknown";
}

std::string_view to_string(acl_operation o) noexcept {
  switch (o) {
    case acl_operation::any:
      return "any";
    case acl_operation::all:
      return "all";
    case acl_operation::read:
      return "read";
    case acl_operation::write:
      return "write";
    case acl_operation::create:
      return "create";
    case acl_operation::delete_:
      return "delete";
    case acl_operation::alter:
      return "alter";
    case acl_operation::describe:
      return "describe";
    case acl_operation::cluster_action:
      return "cluster_action";
    case acl_operation::describe_configs:
      return "describe_configs";
    case acl_operation::alter_configs:
      return "alter_configs";
    case acl_operation::idempotent_write:
      return "idempotent_write";
  }
  return "unknown";
}

std::string_view to_string(acl_permission p) noexcept {
  switch (p) {
    case acl_permission::any:
      return "any";
    case acl_permission::deny:
      return "deny";
    case acl_permission::allow:
      return "allow";
  }
  return "unknown";
}

std::string_view display_name(acl_operation o) noexcept {
  switch (o) {
    case acl_operation::any:
      return "Any";
    case acl_operation::all:
      return "All";
    case acl_operation::read:
      return "Read";
    case acl_operation::write:
      return "Write";
    case acl_operation::create:
      return "Create";
    case acl_operation::delete_:
      return "Delete";
    case acl_operation::alter:
      return "Alter";
    case acl_operation::describe:
      return "Describe";
    case acl_operation::cluster_action:
      return "ClusterAction";
    case acl_operation::describe_configs:
      return "DescribeConfigs";
    case acl_operation::alter_configs:
      return "AlterConfigs";
    case acl_operation::idempotent_write:
      return "IdempotentWrite";
  }
  return "Unknown";
}

std::string_view display_name(resource_type t) noexcept {
  return t == resource_type::transactional_id ? "transactional id" : to_string(t);
}

std::optional<resource_type> parse_resource_type(std::string_view s) noexcept {
  return parse(kResourceTypes, s);
}
std::optional<pattern_type> parse_pattern_type(std::string_view s) noexcept {
  return parse(kPatternTypes, s);
}
std::optional<acl_operation> parse_operation(std::string_view s) noexcept {
  return parse(kOperations, s);
}
std::optional<acl_permission> parse_permission(std::string_view s) noexcept {
  return parse(kPermissions, s);
}

std::span<const resource_type> all_resource_types() noexcept {
  return kResourceTypes;
}
std::span<const pattern_type> all_pattern_types() noexcept {
  return kPatternTypes;
}
std::span<const acl_operation> all_operations() noexcept {
  return kOperations;
}
std::span<const acl_permission> all_permissions() noexcept {
  return kPermissions;
}

}  // namespace cairn::broker::security
