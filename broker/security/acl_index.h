// One immutable set of ACL bindings, indexed for the authorizer's question "which ACLs apply to
// this principal on this resource?". Built once, then only read (from any number of threads:
// nothing in it changes after construction); the authorizer replaces the whole index on a
// change (authorizer.h).
//
// The index, per concrete resource type:
//   literal:  name → principal → bindings   (a hash map; `*` is one more key)
//   prefixed: name → principal → bindings   (a sorted map, walked as below)
// so a lookup costs two hash probes for the literal name and `*`, and O(L log P) for the
// prefixed patterns (L the name's length, P the prefixed patterns of the type), whatever the
// number of ACLs; then one probe per principal (the asker's and `User:*`).
//
// Prefixed walk: every prefix of `name` sorts at or before `name`. Start at the greatest key
// <= name; a key that is a prefix applies, and the next candidate is the key before it. A key
// that is not a prefix shares only its first `l` bytes with `name`, and every shorter prefix
// still to find is <= name[0, l): jump to the greatest key <= that. Each jump shortens the
// bound, so at most L + 1 jumps, each a logarithmic search.
#pragma once

#include <array>
#include <cstdint>
#include <functional>  // std::hash, std::equal_to, std::less
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/security/acl_binding.h"

namespace cairn::broker::security {

class acl_index {
 public:
  acl_index() = default;
  // REQUIRES: every binding valid (validate()), the vector sorted and without duplicates.
  explicit acl_index(std::vector<acl_binding> bindings);

  // Sorted, unique.
  const std::vector<acl_binding>& bindings() const noexcept { return bindings_; }
  std::size_t size() const noexcept { return bindings_.size(); }

  // Calls visit(const acl_binding&) for each binding whose pattern applies to the resource
  // (type, name) — its literal name, the literal `*`, each prefix of it — and whose principal is
  // `who` or `User:*`; hosts, operations and permissions are the caller's to check. Stops early
  // when visit returns false. Order: literal, `*`, then prefixed patterns longest first.
  // REQUIRES: type is not resource_type::any.
  // A template so that the authorizer's check inlines with no allocation per call.
  template <class Visit>
  void for_each_applicable(resource_type type, std::string_view name, const principal& who,
                           Visit&& visit) const;

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  // Principal text → positions in bindings_.
  using by_principal =
      std::unordered_map<std::string, std::vector<std::uint32_t>, string_hash, std::equal_to<>>;
  struct type_table {
    std::unordered_map<std::string, by_principal, string_hash, std::equal_to<>> literal;
    std::map<std::string, by_principal, std::less<>> prefixed;
  };

  static std::size_t table_of(resource_type type);
  // False when visit asked to stop.
  template <class Visit>
  bool visit_principals(const by_principal& rules, const principal& who, Visit& visit) const;
  // The length of the common prefix of a key and the name (the walk's next bound).
  static std::size_t common_prefix(std::string_view a, std::string_view b) noexcept;

  std::vector<acl_binding> bindings_;
  std::array<type_table, 4> tables_;  // topic, group, cluster, transactional_id
};

template <class Visit>
bool acl_index::visit_principals(const by_principal& rules, const principal& who,
                                 Visit& visit) const {
  auto visit_all = [&](std::string_view key) {
    auto it = rules.find(key);
    if (it == rules.end()) return true;
    for (std::uint32_t i : it->second) {
      if (!visit(bindings_[i])) return false;
    }
    return true;
  };
  if (!visit_all(who.str())) return false;
  if (who.is_wildcard()) return true;  // already visited as itself
  return visit_all(principal::wildcard().str());
}

template <class Visit>
void acl_index::for_each_applicable(resource_type type, std::string_view name, const principal& who,
                                    Visit&& visit) const {
  const type_table& table = tables_[table_of(type)];

  if (auto it = table.literal.find(name); it != table.literal.end()) {
    if (!visit_principals(it->second, who, visit)) return;
  }
  if (name != kWildcard) {
    if (auto it = table.literal.find(kWildcard); it != table.literal.end()) {
      if (!visit_principals(it->second, who, visit)) return;
    }
  }

  // The prefixed walk (header comment). `it` is one past the candidate to look at next.
  const auto& prefixed = table.prefixed;
  auto it = prefixed.upper_bound(name);
  while (it != prefixed.begin()) {
    --it;
    const std::string& key = it->first;
    if (name.starts_with(key)) {
      if (!visit_principals(it->second, who, visit)) return;
      continue;  // shorter prefixes sort before this key
    }
    // key <= name and not a prefix of it, so they differ inside both strings: every prefix still
    // to find is at most name[0, common).
    it = prefixed.upper_bound(name.substr(0, common_prefix(key, name)));
  }
}

}  // namespace cairn::broker::security
