// The broker's authorizer: Kafka's ACL decision over a set of bindings and a set of superusers.
// Pure: no I/O, no clock, no logging. A front end authenticates, then asks authorize() before it
// calls a service, and answers a denial with Kafka's *_AUTHORIZATION_FAILED code and the
// decision's reason.
//
// The decision (Kafka's StandardAuthorizer):
//   1. A superuser is allowed everything, ACLs or not.
//   2. The ACLs that apply are those whose pattern applies to the resource (its literal name,
//      the literal `*`, every prefixed pattern the name starts with), whose principal is the
//      asker or `User:*`, and whose host is the asker's address or `*`.
//   3. Any applicable DENY for the operation (or for `All`) denies: deny wins over allow.
//   4. Else any applicable ALLOW for the operation allows; an ALLOW for `All` allows every
//      operation; an ALLOW for Read, Write, Delete or Alter also allows Describe, and one for
//      AlterConfigs also DescribeConfigs. Implication is for ALLOW only: a DENY of Read does
//      not deny Describe.
//   5. Else deny: what no ACL allows is refused.
//
// Threads. Readers (authorize, allowed, list, all) may run on any number of threads while one
// writer changes the set. The state is an immutable snapshot (an acl_index and the superusers)
// behind a shared_ptr: a reader copies the pointer once and decides against that one snapshot,
// never a half-applied change; a writer builds a whole new snapshot and swaps the pointer.
// The pointer itself is guarded by a mutex held only to copy or swap it (a reference-count
// increment), never while deciding or building. Not std::atomic<std::shared_ptr>: libstdc++
// 12's is a spin lock too (a bit in the pointer), and its load releases that bit with a relaxed
// store, which by the memory model leaves its read of the pointer unordered with a later store's
// write; a plain mutex costs the same and is plainly correct. Writers are serialized by a second
// mutex, so no change is lost to a racing one. A change costs O(n log n) for n bindings — ACLs
// change rarely; CreateAcls and DeleteAcls take a batch so a request is one rebuild.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "broker/security/acl_filter.h"
#include "broker/security/acl_index.h"
#include "cairn/base/result.h"

namespace cairn::broker::security {

struct decision {
  enum class basis {
    superuser,     // allowed: the principal is a superuser
    allow_acl,     // allowed by an ACL
    deny_acl,      // denied by an ACL (deny wins)
    no_allow_acl,  // denied: no ACL allows it
  };

  bool allowed = false;
  basis why = basis::no_allow_acl;
  // For people and logs: "User:alice may not Write topic payments". It names no ACL, so it can
  // go back to the client as the error message.
  std::string reason;
};

class authorizer {
 public:
  explicit authorizer(std::vector<principal> superusers = {});

  authorizer(const authorizer&) = delete;
  authorizer& operator=(const authorizer&) = delete;

  // The decision on `who`, connected from `host`, doing `operation` on the resource (type,
  // name). The cluster resource is named kClusterResourceName.
  // REQUIRES: type is not `any`; operation is neither `any` nor `all` (a request asks for one
  // concrete operation).
  decision authorize(const principal& who, std::string_view host, acl_operation operation,
                     resource_type type, std::string_view name) const;
  // authorize(...).allowed without building the reason: for Metadata's per-topic filtering.
  bool allowed(const principal& who, std::string_view host, acl_operation operation,
               resource_type type, std::string_view name) const;

  // CreateAcls: validates each binding and adds the valid ones, in one change. One result per
  // binding, in order; a binding already present is a success and changes nothing.
  std::vector<result<void>> add(std::span<const acl_binding> bindings);
  result<void> add(const acl_binding& binding);

  // DeleteAcls: removes every binding any filter matches, in one change. Per filter, in order,
  // the bindings it matched before the change, sorted; a binding two filters match is reported
  // under both and removed once (Kafka's controller does the same).
  std::vector<std::vector<acl_binding>> remove(std::span<const acl_filter> filters);
  std::vector<acl_binding> remove(const acl_filter& filter);

  // Replaces the whole set (loading a controller snapshot): all or nothing. The bindings are
  // validated and deduplicated.
  result<void> replace_all(std::vector<acl_binding> bindings);

  // DescribeAcls: the bindings the filter matches, sorted.
  std::vector<acl_binding> list(const acl_filter& filter) const;
  // Every binding, sorted: what the JSON snapshot encodes.
  std::vector<acl_binding> all() const;
  std::size_t size() const;

  void set_superusers(std::vector<principal> superusers);
  bool is_superuser(const principal& who) const;

 private:
  struct snapshot {
    std::shared_ptr<const acl_index> acls;
    std::shared_ptr<const std::unordered_set<std::string>> superusers;  // principal texts
  };
  struct verdict {
    decision::basis why;
    bool allowed() const noexcept {
      return why == decision::basis::superuser || why == decision::basis::allow_acl;
    }
  };

  verdict decide(const principal& who, std::string_view host, acl_operation operation,
                 resource_type type, std::string_view name) const;
  std::shared_ptr<const snapshot> load() const;
  // REQUIRES: write_mutex_ held.
  void publish(std::shared_ptr<const acl_index> acls,
               std::shared_ptr<const std::unordered_set<std::string>> superusers);

  std::mutex write_mutex_;                 // one writer at a time; readers never take it
  mutable std::mutex state_mutex_;         // guards state_ (the pointer, not what it points to)
  std::shared_ptr<const snapshot> state_;  // never null
};

}  // namespace cairn::broker::security
