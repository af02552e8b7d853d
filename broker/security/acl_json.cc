#include "broker/security/acl_json.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "broker/security/security_errc.h"

namespace cairn::broker::security {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 7> kBindingKeys{
    "resource_type", "pattern_type", "name", "principal", "host", "operation", "permission"};

json::object binding_value(const acl_binding& b) {
  json::object o;
  o["resource_type"] = to_string(b.pattern.type);
  o["pattern_type"] = to_string(b.pattern.pattern);
  o["name"] = b.pattern.name;
  o["principal"] = b.entry.principal.str();
  o["host"] = b.entry.host;
  o["operation"] = to_string(b.entry.operation);
  o["permission"] = to_string(b.entry.permission);
  return o;
}

// The string under `key`, or nullptr when it is missing or not a string.
const json::string* string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

// Only the canonical name: the encoding is stable, so anything else is not ours.
template <class E, class Parse>
std::optional<E> canonical(const json::string* s, Parse parse) {
  if (s == nullptr) return std::nullopt;
  const std::string_view text(*s);
  std::optional<E> e = parse(text);
  if (e && to_string(*e) != text) return std::nullopt;
  return e;
}

result<acl_binding> binding_from(const json::value& v) {
  if (!v.is_object()) return errc::malformed_acl_json;
  const json::object& o = v.get_object();
  if (o.size() != kBindingKeys.size()) return errc::malformed_acl_json;
  for (std::string_view key : kBindingKeys) {
    if (string_at(o, key) == nullptr) return errc::malformed_acl_json;
  }
  const auto type = canonical<resource_type>(string_at(o, "resource_type"), parse_resource_type);
  const auto pattern = canonical<pattern_type>(string_at(o, "pattern_type"), parse_pattern_type);
  const auto operation = canonical<acl_operation>(string_at(o, "operation"), parse_operation);
  const auto permission = canonical<acl_permission>(string_at(o, "permission"), parse_permission);
  if (!type || !pattern || !operation || !permission) return errc::malformed_acl_json;
  CAIRN_TRY(auto who, principal::parse(std::string_view(*string_at(o, "principal"))));
  acl_binding b{.pattern = {.type = *type,
                            .name = std::string(std::string_view(*string_at(o, "name"))),
                            .pattern = *pattern},
                .entry = {.principal = std::move(who),
                          .host = std::string(std::string_view(*string_at(o, "host"))),
                          .operation = *operation,
                          .permission = *permission}};
  CAIRN_TRY(validate(b));
  return b;
}

result<json::value> parse(std::string_view bytes) {
  json::error_code ec;
  json::value v = json::parse(bytes, ec);
  if (ec) return errc::malformed_acl_json;
  return v;
}

}  // namespace

std::string to_json(const acl_binding& binding) {
  return json::serialize(binding_value(binding));
}

result<acl_binding> acl_binding_from_json(std::string_view bytes) {
  CAIRN_TRY(auto v, parse(bytes));
  return binding_from(v);
}

std::string acl_set_to_json(std::vector<acl_binding> bindings) {
  std::sort(bindings.begin(), bindings.end());
  bindings.erase(std::unique(bindings.begin(), bindings.end()), bindings.end());
  json::array acls;
  acls.reserve(bindings.size());
  for (const acl_binding& b : bindings)
    acls.emplace_back(binding_value(b));
  json::object o;
  o["v"] = kAclJsonVersion;
  o["acls"] = std::move(acls);
  return json::serialize(o);
}

result<std::vector<acl_binding>> acl_set_from_json(std::string_view bytes) {
  CAIRN_TRY(auto v, parse(bytes));
  if (!v.is_object()) return errc::malformed_acl_json;
  const json::object& o = v.get_object();
  const json::value* version = o.if_contains("v");
  const json::value* acls = o.if_contains("acls");
  if (o.size() != 2 || version == nullptr || !version->is_int64() || version->get_int64() < 1 ||
      acls == nullptr || !acls->is_array()) {
    return errc::malformed_acl_json;
  }
  if (version->get_int64() > kAclJsonVersion) return errc::unsupported_acl_version;
  std::vector<acl_binding> out;
  out.reserve(acls->get_array().size());  // one per element the input already holds
  for (const json::value& b : acls->get_array()) {
    CAIRN_TRY(auto binding, binding_from(b));
    out.push_back(std::move(binding));
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) return errc::duplicate_binding;
  return out;
}

}  // namespace cairn::broker::security
