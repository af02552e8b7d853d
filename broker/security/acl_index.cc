#include "broker/security/acl_index.h"

#include <algorithm>
#include <limits>

#include "cairn/base/assert.h"

namespace cairn::broker::security {

std::size_t acl_index::table_of(resource_type type) {
  CAIRN_ASSERT(type != resource_type::any, "no table for resource type any");
  const auto i = static_cast<std::size_t>(code(type) - code(resource_type::topic));
  CAIRN_ASSERT(i < 4, "resource type code {} out of range", code(type));
  return i;
}

acl_index::acl_index(std::vector<acl_binding> bindings) : bindings_(std::move(bindings)) {
  CAIRN_ASSERT(bindings_.size() < std::numeric_limits<std::uint32_t>::max(), "{} ACLs",
               bindings_.size());
  CAIRN_DEBUG_ASSERT(std::adjacent_find(bindings_.begin(), bindings_.end(),
                                        std::greater_equal<>{}) == bindings_.end(),
                     "ACL index built from an unsorted or duplicated set");
  for (std::uint32_t i = 0; i < bindings_.size(); ++i) {
    const acl_binding& b = bindings_[i];
    CAIRN_DEBUG_ASSERT(validate(b).has_value(), "invalid ACL in the index: {}", to_string(b));
    type_table& table = tables_[table_of(b.pattern.type)];
    by_principal& rules = b.pattern.pattern == pattern_type::prefixed
                              ? table.prefixed[b.pattern.name]
                              : table.literal[b.pattern.name];
    rules[b.entry.principal.str()].push_back(i);
  }
}

std::size_t acl_index::common_prefix(std::string_view a, std::string_view b) noexcept {
  const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<std::size_t>(mismatch.first - a.begin());
}

}  // namespace cairn::broker::security
