#include "samples/common/http_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace samples::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

namespace {

constexpr std::uint64_t kReplyBodyLimit = 16 * 1024 * 1024;

std::error_code to_std(const boost::system::error_code& ec) {
  if (ec == boost::beast::error::timeout) return std::make_error_code(std::errc::timed_out);
  return {ec.value(), std::system_category()};
}

// The exchange as a coroutine, so that tcp_stream's timeout bounds every step (Beast's timeouts
// apply to asynchronous operations only).
// (The result goes to `out`: co_spawn needs a default-constructible value, which result is not.)
asio::awaitable<void> exchange(tcp::resolver::results_type endpoints,
                               bhttp::request<bhttp::string_body> req,
                               std::chrono::milliseconds timeout,
                               std::optional<cairn::result<reply>>& out) {
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout);
  auto [cec, connected] = co_await stream.async_connect(endpoints, use_tuple);
  if (cec) {
    out = to_std(cec);
    co_return;
  }
  stream.expires_after(timeout);
  auto [wec, written] = co_await bhttp::async_write(stream, req, use_tuple);
  if (wec) {
    out = to_std(wec);
    co_return;
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kReplyBodyLimit);
  stream.expires_after(timeout);
  auto [rec, read] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
  if (rec) {
    out = to_std(rec);
    co_return;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  reply answer;
  answer.status = parser.get().result_int();
  answer.raw = std::move(parser.get().body());
  if (!answer.raw.empty()) {
    boost::system::error_code parse_ec;
    auto v = boost::json::parse(answer.raw, parse_ec);
    if (!parse_ec) answer.body = std::move(v);
  }
  out = std::move(answer);
}

}  // namespace

cairn::result<reply> call(std::string_view base, bhttp::verb method, std::string_view target,
                          const std::optional<boost::json::value>& body,
                          std::chrono::milliseconds timeout) {
  if (base.starts_with("http://")) base.remove_prefix(7);
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  const std::size_t colon = base.rfind(':');
  if (colon == std::string_view::npos) return std::make_error_code(std::errc::invalid_argument);
  const std::string host(base.substr(0, colon));
  const std::string port(base.substr(colon + 1));

  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return to_std(ec);

  bhttp::request<bhttp::string_body> req{method, std::string(target), 11};
  req.set(bhttp::field::host, host);
  req.keep_alive(false);
  if (body) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = boost::json::serialize(*body);
  }
  req.prepare_payload();

  std::optional<cairn::result<reply>> out;
  asio::co_spawn(io, exchange(std::move(endpoints), std::move(req), timeout, out),
                 [&out](std::exception_ptr e) {
                   if (e) out = std::make_error_code(std::errc::io_error);
                 });
  io.run();
  if (!out) return std::make_error_code(std::errc::timed_out);
  return std::move(*out);
}

}  // namespace samples::http
