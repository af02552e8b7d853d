// A small HTTP/1.1 JSON server for the sample services (Boost.Beast): a router of
// "METHOD /path/{param}" patterns to handlers, and a server that runs them on a pool of threads.
//
// Handlers run on the pool's threads and may block (the SDK's blocking calls: repository
// handle/load, projection queries), so up to `threads` requests are handled at once: concurrent
// requests really race (the booking sample's twenty requests for the last room do).
//
// Every answer is JSON. Bad input never reaches a handler unchecked: an unparsable request, a
// header over 8 KiB or a body over 64 KiB gets a 400/413 JSON error and the connection closes;
// unknown paths get 404, known paths with another method 405. A handler that throws gets 500 and
// the server keeps serving.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cairn/base/result.h"

namespace samples::http {

using boost::beast::http::status;
using boost::beast::http::verb;

struct request {
  verb method = verb::get;
  std::string path;                           // without the query string
  std::map<std::string, std::string> query;   // ?a=b&c=d, percent-decoded
  std::map<std::string, std::string> params;  // the route's {names}, percent-decoded
  std::string body;
};

struct response {
  status code = status::ok;
  boost::json::value body;
};

// {"error": code, "message": message} with the given status.
response error(status code, std::string_view error_code, std::string_view message);

// A request body read as a JSON object, field by field; the first problem is kept as a 400.
//   auto body = json_body::parse(req);
//   if (auto* bad = std::get_if<response>(&body)) return *bad;
//   auto& b = std::get<json_body>(body);
//   auto owner = b.text("owner");
//   auto cents = b.integer("amountCents", 1, 1'000'000'000);
//   if (auto bad = b.error()) return *bad;
class json_body {
 public:
  static std::variant<json_body, response> parse(const request& r);

  // A required string of 1..max_size bytes.
  std::optional<std::string> text(std::string_view key, std::size_t max_size = 200);
  // An optional string: nullopt when absent (an error when present but not a string).
  std::optional<std::string> optional_text(std::string_view key, std::size_t max_size = 200);
  // A required integer in [min, max].
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<response> error() const { return error_; }

 private:
  explicit json_body(boost::json::object o) : object_(std::move(o)) {}
  void fail(std::string message);

  boost::json::object object_;
  std::optional<response> error_;
};

using handler = std::function<response(const request&)>;

class router {
 public:
  // pattern: "/accounts/{id}/deposits"; a {name} segment matches one non-empty path segment.
  void add(verb method, std::string_view pattern, handler h);
  response handle(request& r) const;  // fills r.params for the handler

 private:
  struct route {
    verb method;
    std::vector<std::string> segments;  // "{id}" segments are parameters
    handler h;
  };
  std::vector<route> routes_;
};

class server {
 public:
  // Listens on "HOST:PORT" (port 0 picks one) and serves `routes` on `threads` threads. Past
  // `connections_max` open connections, a new one gets 503 and is closed.
  static cairn::result<std::unique_ptr<server>> start(std::string_view listen, router routes,
                                                      int threads = 8,
                                                      std::size_t connections_max = 1024);
  ~server();  // stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Closes the listener and open connections and joins the threads. Idempotent.
  void stop();

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace samples::http
