// client_stream: a client connection's byte stream, plaintext TCP or TLS over it, so that each
// front end writes its read and write loops once. The async operations forward to the one
// stream in use; with the as_tuple(use_awaitable) token both kinds return the same awaitable
// type, so a loop sees no difference and pays no extra coroutine frame.
//
// REQUIRES: used from the connection's executor only, like the socket it wraps.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "broker/net/tls_server_context.h"

namespace cairn::broker {

class client_stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using tls_stream = boost::asio::ssl::stream<tcp::socket>;

  // Plaintext.
  explicit client_stream(tcp::socket socket) : plain_(std::move(socket)) {}
  // TLS as the server, with `context` (kept alive as long as this connection: a SIGHUP reload
  // replaces the listener's context, not this one's).
  client_stream(tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)), tls_(std::in_place, std::move(socket), *context_) {}

  bool is_tls() const { return tls_.has_value(); }
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  bool is_open() { return socket().is_open(); }

  // Closes the TCP connection (no TLS close_notify: the peer sees the connection end, which is
  // what every close here means).
  void close() {
    boost::system::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return plain_->async_read_some(buffers, std::forward<Token>(token));
  }

  // Writes all of `buffers` (asio::async_write over the stream in use).
  template <class ConstBuffers, class Token>
  auto async_write(const ConstBuffers& buffers, Token&& token) {
    if (tls_) return boost::asio::async_write(*tls_, buffers, std::forward<Token>(token));
    return boost::asio::async_write(*plain_, buffers, std::forward<Token>(token));
  }

  // The server side of the TLS handshake, bounded by `timeout`: a client that opens the
  // connection and never speaks, or speaks something that is not TLS, ends here with an error.
  // On success, the verified client certificate's subject (if any) is principal().
  boost::asio::awaitable<boost::system::error_code> handshake(std::chrono::milliseconds timeout) {
    using namespace boost::asio::experimental::awaitable_operators;
    constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::asio::steady_timer timer(socket().get_executor(), timeout);
    auto done = co_await (tls_->async_handshake(boost::asio::ssl::stream_base::server, use_tuple) ||
                          timer.async_wait(use_tuple));
    if (done.index() == 1) co_return boost::asio::error::timed_out;
    auto [ec] = std::get<0>(done);
    if (ec) co_return ec;
    principal_ = verified_peer_subject(tls_->native_handle());
    co_return boost::system::error_code{};
  }

  // The authenticated identity of the client from its certificate (mTLS), for the SASL and ACL
  // pieces to come; nullopt on plaintext or without a verified certificate.
  const std::optional<std::string>& principal() const { return principal_; }

 private:
  std::optional<tcp::socket> plain_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::optional<tls_stream> tls_;
  std::optional<std::string> principal_;
};

}  // namespace cairn::broker
