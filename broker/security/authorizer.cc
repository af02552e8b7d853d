#include "broker/security/authorizer.h"

#include <fmt/format.h>

#include <algorithm>

#include "cairn/base/assert.h"

namespace cairn::broker::security {
namespace {

// Does an ACL for `granted` cover a request for `asked`? Exact, `All`, or (ALLOW only) implied.
bool covers(acl_operation granted, acl_operation asked, acl_permission permission) noexcept {
  if (granted == acl_operation::all || granted == asked) return true;
  if (permission != acl_permission::allow) return false;
  switch (asked) {
    case acl_operation::describe:
      return granted == acl_operation::read || granted == acl_operation::write ||
             granted == acl_operation::delete_ || granted == acl_operation::alter;
    case acl_operation::describe_configs:
      return granted == acl_operation::alter_configs;
    default:
      return false;
  }
}

std::vector<acl_binding> sorted_unique(std::vector<acl_binding> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::shared_ptr<const std::unordered_set<std::string>> superuser_set(
    const std::vector<principal>& superusers) {
  auto set = std::make_shared<std::unordered_set<std::string>>();
  for (const principal& p : superusers)
    set->insert(p.str());
  return set;
}

}  // namespace

authorizer::authorizer(std::vector<principal> superusers) {
  std::lock_guard lock(write_mutex_);
  publish(std::make_shared<const acl_index>(), superuser_set(superusers));
}

void authorizer::publish(std::shared_ptr<const acl_index> acls,
                         std::shared_ptr<const std::unordered_set<std::string>> superusers) {
  CAIRN_ASSERT(acls != nullptr, "publishing a snapshot without ACLs");
  CAIRN_ASSERT(superusers != nullptr, "publishing a snapshot without superusers");
  auto next = std::make_shared<const snapshot>(snapshot{std::move(acls), std::move(superusers)});
  std::lock_guard lock(state_mutex_);
  state_.swap(next);
  // The old snapshot is released after the lock, in `next`'s destructor (or by the last reader).
}

std::shared_ptr<const authorizer::snapshot> authorizer::load() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

authorizer::verdict authorizer::decide(const principal& who, std::string_view host,
                                       acl_operation operation, resource_type type,
                                       std::string_view name) const {
  CAIRN_ASSERT(type != resource_type::any, "authorize on resource type any");
  CAIRN_ASSERT(operation != acl_operation::any, "authorize for a filter operation");
  CAIRN_ASSERT(operation != acl_operation::all, "authorize for operation all");
  const std::shared_ptr<const snapshot> s = load();
  if (s->superusers->contains(who.str())) return {decision::basis::superuser};

  bool allowed = false;
  bool denied = false;
  s->acls->for_each_applicable(type, name, who, [&](const acl_binding& b) {
    const acl_entry& e = b.entry;
    if (e.host != kWildcard && e.host != host) return true;
    if (!covers(e.operation, operation, e.permission)) return true;
    if (e.permission == acl_permission::deny) {
      denied = true;
      return false;  // nothing can overturn a deny
    }
    allowed = true;
    return true;  // a deny may still come
  });
  if (denied) return {decision::basis::deny_acl};
  return {allowed ? decision::basis::allow_acl : decision::basis::no_allow_acl};
}

decision authorizer::authorize(const principal& who, std::string_view host, acl_operation operation,
                               resource_type type, std::string_view name) const {
  const verdict v = decide(who, host, operation, type, name);
  decision d{.allowed = v.allowed(), .why = v.why, .reason = {}};
  switch (v.why) {
    case decision::basis::superuser:
      d.reason = fmt::format("{} may {} {} {} (superuser)", who.str(), display_name(operation),
                             display_name(type), name);
      break;
    case decision::basis::allow_acl:
      d.reason = fmt::format("{} may {} {} {}", who.str(), display_name(operation),
                             display_name(type), name);
      break;
    case decision::basis::deny_acl:
    case decision::basis::no_allow_acl:
      d.reason = fmt::format("{} may not {} {} {}", who.str(), display_name(operation),
                             display_name(type), name);
      break;
  }
  return d;
}

bool authorizer::allowed(const principal& who, std::string_view host, acl_operation operation,
                         resource_type type, std::string_view name) const {
  return decide(who, host, operation, type, name).allowed();
}

std::vector<result<void>> authorizer::add(std::span<const acl_binding> bindings) {
  std::vector<result<void>> results;
  results.reserve(bindings.size());
  std::lock_guard lock(write_mutex_);
  const std::shared_ptr<const snapshot> s = load();
  std::vector<acl_binding> next = s->acls->bindings();
  const std::size_t before = next.size();
  for (const acl_binding& b : bindings) {
    results.push_back(validate(b));
    if (results.back()) next.push_back(b);
  }
  if (next.size() == before) return results;
  next = sorted_unique(std::move(next));
  if (next.size() != before) {
    publish(std::make_shared<const acl_index>(std::move(next)), s->superusers);
  }
  return results;
}

result<void> authorizer::add(const acl_binding& binding) {
  return add(std::span<const acl_binding>(&binding, 1)).front();
}

std::vector<std::vector<acl_binding>> authorizer::remove(std::span<const acl_filter> filters) {
  std::vector<std::vector<acl_binding>> matched(filters.size());
  std::lock_guard lock(write_mutex_);
  const std::shared_ptr<const snapshot> s = load();
  std::vector<acl_binding> kept;
  for (const acl_binding& b : s->acls->bindings()) {
    bool removed = false;
    for (std::size_t f = 0; f < filters.size(); ++f) {
      if (filters[f].matches(b)) {
        matched[f].push_back(b);
        removed = true;
      }
    }
    if (!removed) kept.push_back(b);
  }
  // `kept` is a subsequence of a sorted, unique vector: still sorted and unique.
  if (kept.size() != s->acls->size()) {
    publish(std::make_shared<const acl_index>(std::move(kept)), s->superusers);
  }
  return matched;
}

std::vector<acl_binding> authorizer::remove(const acl_filter& filter) {
  return std::move(remove(std::span<const acl_filter>(&filter, 1)).front());
}

result<void> authorizer::replace_all(std::vector<acl_binding> bindings) {
  for (const acl_binding& b : bindings) {
    CAIRN_TRY(validate(b));
  }
  auto index = std::make_shared<const acl_index>(sorted_unique(std::move(bindings)));
  std::lock_guard lock(write_mutex_);
  publish(std::move(index), load()->superusers);
  return success();
}

std::vector<acl_binding> authorizer::list(const acl_filter& filter) const {
  std::vector<acl_binding> out;
  const std::shared_ptr<const snapshot> s = load();
  for (const acl_binding& b : s->acls->bindings()) {
    if (filter.matches(b)) out.push_back(b);
  }
  return out;
}

std::vector<acl_binding> authorizer::all() const {
  return load()->acls->bindings();
}

std::size_t authorizer::size() const {
  return load()->acls->size();
}

void authorizer::set_superusers(std::vector<principal> superusers) {
  auto set = superuser_set(superusers);
  std::lock_guard lock(write_mutex_);
  publish(load()->acls, std::move(set));
}

bool authorizer::is_superuser(const principal& who) const {
  return load()->superusers->contains(who.str());
}

}  // namespace cairn::broker::security
