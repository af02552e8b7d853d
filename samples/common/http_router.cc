// The router and the JSON request body reader of http_server.h.
#include <boost/json.hpp>
#include <string>

#include "samples/common/http_server.h"
#include "samples/common/url.h"

namespace samples::http {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < path.size()) {
    const std::size_t slash = path.find('/', at);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > at) out.emplace_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

response error(status code, std::string_view error_code, std::string_view message) {
  return {code, boost::json::object{{"error", error_code}, {"message", message}}};
}

std::variant<json_body, response> json_body::parse(const request& r) {
  if (r.body.empty()) {
    return http::error(status::bad_request, "bad_request", "the request needs a JSON object body");
  }
  boost::system::error_code ec;
  auto parsed = boost::json::parse(r.body, ec);
  if (ec) {
    return http::error(status::bad_request, "bad_request",
                       "the body is not valid JSON: " + ec.message());
  }
  if (!parsed.is_object()) {
    return http::error(status::bad_request, "bad_request", "the body must be a JSON object");
  }
  return json_body(std::move(parsed).as_object());
}

void json_body::fail(std::string message) {
  if (!error_) error_ = http::error(status::bad_request, "bad_request", message);
}

std::optional<std::string> json_body::optional_text(std::string_view key, std::size_t max_size) {
  const auto* v = object_.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    fail("\"" + std::string(key) + "\" must be a string");
    return std::nullopt;
  }
  const auto& s = v->get_string();
  if (s.empty() || s.size() > max_size) {
    fail("\"" + std::string(key) + "\" must be 1 to " + std::to_string(max_size) + " bytes");
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<std::string> json_body::text(std::string_view key, std::size_t max_size) {
  if (object_.if_contains(key) == nullptr) {
    fail("\"" + std::string(key) + "\" is required");
    return std::nullopt;
  }
  return optional_text(key, max_size);
}

std::optional<std::int64_t> json_body::integer(std::string_view key, std::int64_t min,
                                               std::int64_t max) {
  const auto* v = object_.if_contains(key);
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  if (v == nullptr) {
    fail("\"" + std::string(key) + "\" is required (an integer from " + range + ")");
    return std::nullopt;
  }
  std::optional<std::int64_t> n;
  if (v->is_int64()) n = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  }
  if (!n || *n < min || *n > max) {
    fail("\"" + std::string(key) + "\" must be an integer from " + range);
    return std::nullopt;
  }
  return n;
}

void router::add(verb method, std::string_view pattern, handler h) {
  routes_.push_back({method, split_path(pattern), std::move(h)});
}

response router::handle(request& r) const {
  // Split first, then decode: an escaped "/" (%2F) stays inside its segment.
  auto segments = split_path(r.path);
  for (auto& s : segments) {
    auto decoded = percent_decode(s, false);
    if (!decoded)
      return error(status::bad_request, "bad_request", "a malformed %-escape in the path");
    s = std::move(*decoded);
  }
  bool path_known = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool matches = true;
    for (std::size_t i = 0; i < segments.size() && matches; ++i) {
      const auto& want = route.segments[i];
      if (is_parameter(want)) {
        params[want.substr(1, want.size() - 2)] = segments[i];
      } else {
        matches = want == segments[i];
      }
    }
    if (!matches) continue;
    path_known = true;
    if (route.method != r.method) continue;
    r.params = std::move(params);
    return route.h(r);
  }
  if (path_known) {
    return error(
        status::method_not_allowed, "method_not_allowed",
        std::string(boost::beast::http::to_string(r.method)) + " is not served on " + r.path);
  }
  return error(status::not_found, "not_found", "no resource at " + r.path);
}

}  // namespace samples::http
