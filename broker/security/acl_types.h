// The vocabulary of Kafka's authorization model: resource types, pattern types, operations and
// permissions, each with Kafka's numeric code (what CreateAcls, DescribeAcls and DeleteAcls
// carry on the wire, so the values never change) and a stable name (what the JSON encoding,
// the CLI and the logs use).
//
// `any` (code 1) and `match` exist only in filters (DescribeAcls, DeleteAcls); a binding that
// carries one is refused by validate(). Code 0 is Kafka's UNKNOWN: from_code() answers nullopt
// for it, as for every code Kafka does not define, so an unknown value never becomes a valid one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cairn::broker::security {

enum class resource_type : std::int8_t {
  any = 1,
  topic = 2,
  group = 3,
  cluster = 4,
  transactional_id = 5,
};

enum class pattern_type : std::int8_t {
  any = 1,       // filter: a pattern of any type whose name equals the filter's
  match = 2,     // filter: every pattern that applies to the filter's name
  literal = 3,   // binding: the exact name, or `*` for every resource of the type
  prefixed = 4,  // binding: every name that starts with this one
};

enum class acl_operation : std::int8_t {
  any = 1,  // filter only
  all = 2,  // binding: every operation
  read = 3,
  write = 4,
  create = 5,
  delete_ = 6,  // `delete` is a C++ keyword
  alter = 7,
  describe = 8,
  cluster_action = 9,
  describe_configs = 10,
  alter_configs = 11,
  idempotent_write = 12,
};

enum class acl_permission : std::int8_t {
  any = 1,  // filter only
  deny = 2,
  allow = 3,
};

// The resource type's only name for the cluster resource (Kafka's CLUSTER_NAME).
inline constexpr std::string_view kClusterResourceName = "kafka-cluster";
// A literal pattern with this name applies to every resource of its type; as a host, every host.
inline constexpr std::string_view kWildcard = "*";

// Kafka's codes. nullopt for 0 (UNKNOWN) and every code Kafka does not define.
std::optional<resource_type> resource_type_from_code(std::int8_t code) noexcept;
std::optional<pattern_type> pattern_type_from_code(std::int8_t code) noexcept;
std::optional<acl_operation> operation_from_code(std::int8_t code) noexcept;
std::optional<acl_permission> permission_from_code(std::int8_t code) noexcept;

template <class E>
constexpr std::int8_t code(E e) noexcept {
  return static_cast<std::int8_t>(e);
}

// Stable snake_case names: "transactional_id", "prefixed", "describe_configs", "allow".
std::string_view to_string(resource_type t) noexcept;
std::string_view to_string(pattern_type t) noexcept;
std::string_view to_string(acl_operation o) noexcept;
std::string_view to_string(acl_permission p) noexcept;

// Kafka's spelling of an operation in messages and its CLI: "Write", "DescribeConfigs".
std::string_view display_name(acl_operation o) noexcept;
// A resource type as a message names it: "topic", "transactional id".
std::string_view display_name(resource_type t) noexcept;

// Parses a name case-insensitively, ignoring '_' and '-', so "describe_configs",
// "DescribeConfigs", "DESCRIBE_CONFIGS" and "describe-configs" are one operation (Kafka's enum
// names and its CLI's spelling both work). nullopt for anything else.
std::optional<resource_type> parse_resource_type(std::string_view s) noexcept;
std::optional<pattern_type> parse_pattern_type(std::string_view s) noexcept;
std::optional<acl_operation> parse_operation(std::string_view s) noexcept;
std::optional<acl_permission> parse_permission(std::string_view s) noexcept;

// Every value of each enum, filter values included, in code order (for tests and listings).
std::span<const resource_type> all_resource_types() noexcept;
std::span<const pattern_type> all_pattern_types() noexcept;
std::span<const acl_operation> all_operations() noexcept;
std::span<const acl_permission> all_permissions() noexcept;

}  // namespace cairn::broker::security
