// A blocking HTTP/1.1 JSON client for talking to the sample services: tests, the demo's driver
// and the soak bench. One connection per call (simple, and each call stands alone).
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/base/result.h"

namespace samples::http {

struct reply {
  unsigned status = 0;
  boost::json::value body;  // null when the body was empty or not JSON
  std::string raw;          // the body as received
};

// `base`: "HOST:PORT" or "http://HOST:PORT". `body`: sent as JSON when given.
cairn::result<reply> call(std::string_view base, boost::beast::http::verb method,
                          std::string_view target,
                          const std::optional<boost::json::value>& body = std::nullopt,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

inline cairn::result<reply> get(std::string_view base, std::string_view target) {
  return call(base, boost::beast::http::verb::get, target);
}
inline cairn::result<reply> post(std::string_view base, std::string_view target,
                                 boost::json::value body) {
  return call(base, boost::beast::http::verb::post, target, std::move(body));
}

}  // namespace samples::http
