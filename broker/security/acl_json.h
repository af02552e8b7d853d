// The stable JSON encoding of ACL bindings, for the controller's log (one binding per command)
// and its snapshots (the whole set). One binding:
//
//   {"resource_type":"topic","pattern_type":"prefixed","name":"pay","principal":"User:alice",
//    "host":"*","operation":"write","permission":"allow"}
//
// always these seven keys in this order, values by the snake_case names of acl_types.h (never
// the numeric codes, which are the wire's business). The whole set:
//
//   {"v":1,"acls":[binding, ...]}
//
// with the bindings sorted (acl_binding's order) and unique, so one set always encodes to the
// same bytes. "v" is the format version; a decoder refuses a higher one
// (unsupported_acl_version) rather than guessing.
//
// The decoders are strict, for the bytes come from disk or the network: a missing, unknown or
// mistyped key, a name that is not canonical ("Write" for "write"), a binding validate() refuses,
// or a set with the same binding twice is an error, never a crash and never a binding made up.
// Boost.JSON bounds nesting (depth 32); nothing is allocated beyond what the input's own bytes
// hold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/security/acl_binding.h"
#include "cairn/base/result.h"

namespace cairn::broker::security {

inline constexpr std::int64_t kAclJsonVersion = 1;

std::string to_json(const acl_binding& binding);
result<acl_binding> acl_binding_from_json(std::string_view bytes);

// REQUIRES: the bindings valid; they are sorted and deduplicated in the output.
std::string acl_set_to_json(std::vector<acl_binding> bindings);
// Sorted, unique, each valid.
result<std::vector<acl_binding>> acl_set_from_json(std::string_view bytes);

}  // namespace cairn::broker::security
