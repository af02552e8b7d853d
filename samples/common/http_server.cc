// The HTTP server of http_server.h: an acceptor and one coroutine per connection on an io_context
// run by a pool of threads. A handler blocks its thread while it runs; the other threads keep
// accepting and serving, so `threads` requests are handled at once.
#include "samples/common/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <exception>
#include <mutex>
#include <thread>

#include "samples/common/url.h"

namespace samples::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::uint64_t kBodyLimit = 64 * 1024;
// A client that sends nothing for this long is dropped, so idle connections cannot pile up.
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerBytesMax = 1024 * 1024;

bhttp::response<bhttp::string_body> to_http(const response& r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{r.code, version};
  out.set(bhttp::field::content_type, "application/json");
  out.keep_alive(keep_alive);
  out.body() = boost::json::serialize(r.body);
  out.body() += '\n';
  out.prepare_payload();
  return out;
}

// A Beast request as the router sees it, or the 400 that a malformed target earns.
std::variant<request, response> to_request(const bhttp::request<bhttp::string_body>& in) {
  request r;
  r.method = in.method();
  const std::string_view target(in.target().data(), in.target().size());
  const std::size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (r.path.empty() || r.path.front() != '/') {
    return error(status::bad_request, "bad_request", "the request target must be a path");
  }
  if (q != std::string_view::npos) {
    auto query = parse_query(target.substr(q + 1));
    if (!query)
      return error(status::bad_request, "bad_request", "a malformed %-escape in the query");
    r.query = std::move(*query);
  }
  r.body = in.body();
  return r;
}

response run_handler(const router& routes, request& r) {
  try {
    return routes.handle(r);
  } catch (const std::exception& e) {
    return error(status::internal_server_error, "internal", e.what());
  } catch (...) {
    return error(status::internal_server_error, "internal", "the handler failed");
  }
}

}  // namespace

struct server::impl {
  impl(router r, std::size_t max_open) : routes(std::move(r)), acceptor(io), open_max(max_open) {}

  asio::awaitable<void> accept_loop() {
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec) {
        if (ec == asio::error::operation_aborted) break;
        continue;  // a client that vanished before accept: keep serving the others
      }
      // Bounded: past open_max connections a new one is told 503 and closed, so a flood of idle
      // clients cannot take every descriptor the service has.
      if (open.fetch_add(1) >= open_max) {
        asio::co_spawn(io, refuse(beast::tcp_stream(std::move(socket))), asio::detached);
      } else {
        asio::co_spawn(io, serve(beast::tcp_stream(std::move(socket))), asio::detached);
      }
    }
  }

  asio::awaitable<void> refuse(beast::tcp_stream stream) {
    auto answer = to_http(error(status::service_unavailable, "too_many_connections",
                                "the server has too many open connections; try again"),
                          11, false);
    stream.expires_after(kIdleTimeout);
    co_await bhttp::async_write(stream, answer, use_tuple);
    co_await linger(stream);
    --open;
  }

  asio::awaitable<void> serve(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(kBodyLimit);
      stream.expires_after(kIdleTimeout);
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::error::eof) {
        break;
      }
      if (ec) {
        // Malformed or oversized: answer once, then close (the stream is no longer in sync).
        const bool too_big = ec == bhttp::error::body_limit || ec == bhttp::error::header_limit;
        auto answer = to_http(
            error(too_big ? status::payload_too_large : status::bad_request,
                  too_big ? "too_large" : "bad_request", "unreadable request: " + ec.message()),
            11, false);
        co_await bhttp::async_write(stream, answer, use_tuple);
        co_await linger(stream);
        break;
      }
      const auto& in = parser.get();
      auto parsed = to_request(in);
      response out = std::holds_alternative<response>(parsed)
                         ? std::get<response>(parsed)
                         : run_handler(routes, std::get<request>(parsed));
      auto answer = to_http(out, in.version(), in.keep_alive());
      stream.expires_after(kIdleTimeout);
      auto [wec, written] = co_await bhttp::async_write(stream, answer, use_tuple);
      if (wec || !in.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    --open;
  }

  // A lingering close (as web servers do): stop sending, then read and drop what the client is
  // still sending, for a bounded time and amount. Closing with unread input makes the kernel
  // send a reset, which can destroy the error answer before the client has read it.
  static asio::awaitable<void> linger(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::array<char, 16 * 1024> sink;
    std::size_t drained = 0;
    stream.expires_after(kLingerTimeout);
    while (!ec && drained < kLingerBytesMax) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
      ec = rec;
      drained += n;
    }
  }

  router routes;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::once_flag stopped;
  std::atomic<std::size_t> open{0};  // connections being served or refused
  const std::size_t open_max;
};

cairn::result<std::unique_ptr<server>> server::start(std::string_view listen, router routes,
                                                     int threads, std::size_t connections_max) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return std::make_error_code(std::errc::invalid_argument);
  std::uint16_t port = 0;
  const auto port_text = listen.substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size()) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  boost::system::error_code bec;
  auto address = asio::ip::make_address(std::string(listen.substr(0, colon)), bec);
  if (bec) return std::make_error_code(std::errc::invalid_argument);

  auto state = std::make_unique<impl>(std::move(routes), connections_max);
  const tcp::endpoint at(address, port);
  state->acceptor.open(at.protocol(), bec);
  if (!bec) state->acceptor.set_option(tcp::acceptor::reuse_address(true), bec);
  if (!bec) state->acceptor.bind(at, bec);
  if (!bec) state->acceptor.listen(asio::socket_base::max_listen_connections, bec);
  if (bec) return std::error_code(bec.value(), std::system_category());

  asio::co_spawn(state->io, state->accept_loop(), asio::detached);
  for (int i = 0; i < std::max(threads, 1); ++i) {
    state->threads.emplace_back([io = &state->io] { io->run(); });
  }
  return std::unique_ptr<server>(new server(std::move(state)));
}

server::server(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

server::~server() {
  stop();
}

tcp::endpoint server::local_endpoint() const {
  boost::system::error_code ignored;
  return impl_->acceptor.local_endpoint(ignored);
}

void server::stop() {
  std::call_once(impl_->stopped, [this] {
    asio::post(impl_->io, [this] {
      boost::system::error_code ignored;
      impl_->acceptor.close(ignored);
    });
    // Handlers running now finish; connections waiting for input are dropped with the io_context.
    impl_->io.stop();
    for (auto& t : impl_->threads)
      t.join();
  });
}

}  // namespace samples::http
