// byte_stream: a connection's byte stream, plaintext TCP or TLS over it, so that a connection's
// read and write loops are written once, on either side: the SDK's connections use it as it is,
// the broker's front ends through broker/net/client_stream.h (which adds the server's handshake
// and the client's certificate subject). With the as_tuple(use_awaitable) token both kinds
// return the same awaitable type, so a loop pays no extra coroutine frame. Header-only; who uses
// it links OpenSSL::SSL.
//
// REQUIRES: used from the connection's executor only, like the socket it wraps.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <optional>

namespace cairn::protocol {

class byte_stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using tls_stream = boost::asio::ssl::stream<tcp::socket>;

  explicit byte_stream(tcp::socket socket) : plain_(std::move(socket)) {}
  // TLS with `context`, kept alive as long as this stream.
  byte_stream(tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)), tls_(std::in_place, std::move(socket), *context_) {}

  bool is_tls() const { return tls_.has_value(); }
  tls_stream* tls() { return tls_ ? &*tls_ : nullptr; }
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }

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

  template <class ConstBuffers, class Token>
  auto async_write(const ConstBuffers& buffers, Token&& token) {
    if (tls_) return boost::asio::async_write(*tls_, buffers, std::forward<Token>(token));
    return boost::asio::async_write(*plain_, buffers, std::forward<Token>(token));
  }

 private:
  std::optional<tcp::socket> plain_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::optional<tls_stream> tls_;
};

}  // namespace cairn::protocol
