#include "broker/security/security_errc.h"

#include <string>

namespace cairn::broker::security {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.security"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::invalid_resource_type:
        return "an ACL binding needs a resource type: topic, group, cluster or transactional_id";
      case errc::invalid_pattern_type:
        return "an ACL binding needs a pattern type: literal or prefixed";
      case errc::invalid_operation:
        return "an ACL binding needs an operation, not any";
      case errc::invalid_permission:
        return "an ACL binding needs a permission: allow or deny";
      case errc::empty_resource_name:
        return "an ACL binding's resource name must not be empty";
      case errc::prefixed_wildcard:
        return "a prefixed ACL cannot be named '*': use a literal '*' for every resource";
      case errc::invalid_cluster_name:
        return "the only cluster resource name is 'kafka-cluster'";
      case errc::invalid_principal:
        return "a principal must be Type:name, e.g. User:alice";
      case errc::invalid_host:
        return "an ACL's host must not be empty: '*' is every host";
      case errc::value_too_long:
        return "an ACL's name, principal or host is longer than 32767 bytes";
      case errc::malformed_acl_json:
        return "malformed ACL JSON";
      case errc::unsupported_acl_version:
        return "ACL set from a newer broker version: upgrade this broker";
      case errc::duplicate_binding:
        return "an ACL set holds the same binding twice";
    }
    return "unknown security error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& security_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::broker::security
