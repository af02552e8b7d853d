#include "broker/security/acl_types.h"

#include <catch2/catch.hpp>

namespace cairn::broker::security {
namespace {

TEST_CASE("ACL enums carry Kafka's numeric codes", "[security]") {
  CHECK(code(resource_type::any) == 1);
  CHECK(code(resource_type::topic) == 2);
  CHECK(code(resource_type::group) == 3);
  CHECK(code(resource_type::cluster) == 4);
  CHECK(code(resource_type::transactional_id) == 5);

  CHECK(code(pattern_type::any) == 1);
  CHECK(code(pattern_type::match) == 2);
  CHECK(code(pattern_type::literal) == 3);
  CHECK(code(pattern_type::prefixed) == 4);

  CHECK(code(acl_operation::any) == 1);
  CHECK(code(acl_operation::all) == 2);
  CHECK(code(acl_operation::read) == 3);
  CHECK(code(acl_operation::write) == 4);
  CHECK(code(acl_operation::create) == 5);
  CHECK(code(acl_operation::delete_) == 6);
  CHECK(code(acl_operation::alter) == 7);
  CHECK(code(acl_operation::describe) == 8);
  CHECK(code(acl_operation::cluster_action) == 9);
  CHECK(code(acl_operation::describe_configs) == 10);
  CHECK(code(acl_operation::alter_configs) == 11);
  CHECK(code(acl_operation::idempotent_write) == 12);

  CHECK(code(acl_permission::any) == 1);
  CHECK(code(acl_permission::deny) == 2);
  CHECK(code(acl_permission::allow) == 3);
}

TEST_CASE("from_code round-trips every value and refuses unknown codes", "[security]") {
  for (auto t : all_resource_types())
    CHECK(resource_type_from_code(code(t)) == t);
  for (auto t : all_pattern_types())
    CHECK(pattern_type_from_code(code(t)) == t);
  for (auto o : all_operations())
    CHECK(operation_from_code(code(o)) == o);
  for (auto p : all_permissions())
    CHECK(permission_from_code(code(p)) == p);

  for (std::int8_t bad :
       {std::int8_t{0}, std::int8_t{-1}, std::int8_t{6}, std::int8_t{127}, std::int8_t{-128}}) {
    CHECK_FALSE(resource_type_from_code(bad));
  }
  CHECK_FALSE(pattern_type_from_code(0));
  CHECK_FALSE(pattern_type_from_code(5));
  CHECK_FALSE(operation_from_code(0));
  CHECK_FALSE(operation_from_code(13));
  CHECK_FALSE(permission_from_code(0));
  CHECK_FALSE(permission_from_code(4));
}

TEST_CASE("names parse back and accept Kafka's spellings", "[security]") {
  for (auto t : all_resource_types())
    CHECK(parse_resource_type(to_string(t)) == t);
  for (auto t : all_pattern_types())
    CHECK(parse_pattern_type(to_string(t)) == t);
  for (auto o : all_operations()) {
    CHECK(parse_operation(to_string(o)) == o);
    CHECK(parse_operation(display_name(o)) == o);
  }
  for (auto p : all_permissions())
    CHECK(parse_permission(to_string(p)) == p);

  CHECK(parse_operation("DESCRIBE_CONFIGS") == acl_operation::describe_configs);
  CHECK(parse_operation("describe-configs") == acl_operation::describe_configs);
  CHECK(parse_operation("IdempotentWrite") == acl_operation::idempotent_write);
  CHECK(parse_resource_type("TransactionalId") == resource_type::transactional_id);
  CHECK(parse_resource_type("TOPIC") == resource_type::topic);
  CHECK(parse_permission("Allow") == acl_permission::allow);

  CHECK_FALSE(parse_operation(""));
  CHECK_FALSE(parse_operation("_"));
  CHECK_FALSE(parse_operation("writes"));
  CHECK_FALSE(parse_operation("wri"));
  CHECK_FALSE(parse_resource_type("broker"));
  CHECK_FALSE(parse_pattern_type("regex"));
  CHECK_FALSE(parse_permission("maybe"));
}

TEST_CASE("display names are Kafka's", "[security]") {
  CHECK(display_name(acl_operation::write) == "Write");
  CHECK(display_name(acl_operation::cluster_action) == "ClusterAction");
  CHECK(display_name(acl_operation::describe_configs) == "DescribeConfigs");
  CHECK(display_name(resource_type::topic) == "topic");
  CHECK(display_name(resource_type::transactional_id) == "transactional id");
}

}  // namespace
}  // namespace cairn::broker::security
