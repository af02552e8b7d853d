#include "broker/admin/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "broker/net/listen.h"

namespace cairn::broker {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct admin_http_server::impl {
  impl(asio::io_context& io_context, const broker_metrics& m, const topic_manager& t)
      : io(io_context), metrics(m), topics(t), acceptor(io_context) {}

  asio::awaitable<void> accept_loop() {
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec) break;
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::flat_buffer buffer(8192);
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8192);  // a scraper's request is tiny; anything bigger is refused
    auto [ec, n] = co_await http::async_read(socket, buffer, parser, use_tuple);
    if (ec) co_return;
    const auto& request = parser.get();
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    if (request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.body() = "only GET is served here\n";
    } else if (request.target() == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4");
      response.body() = metrics.render(topics);
    } else if (request.target() == "/health") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "application/json");
      response.body() = "{\"status\":\"ok\"}\n";
    } else {
      response.result(http::status::not_found);
      response.body() = "try /metrics or /health\n";
    }
    response.prepare_payload();
    co_await http::async_write(socket, response, use_tuple);
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }

  asio::io_context& io;
  const broker_metrics& metrics;
  const topic_manager& topics;
  tcp::acceptor acceptor;
};

admin_http_server::admin_http_server(asio::io_context& io, const broker_metrics& metrics,
                                     const topic_manager& topics)
    : impl_(std::make_unique<impl>(io, metrics, topics)) {}

admin_http_server::~admin_http_server() = default;

result<void> admin_http_server::listen(const tcp::endpoint& endpoint) {
  return listen_on(impl_->acceptor, endpoint);
}

tcp::endpoint admin_http_server::local_endpoint() const {
  return impl_->acceptor.local_endpoint();
}

void admin_http_server::start() {
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
}

void admin_http_server::stop() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  });
}

}  // namespace cairn::broker
