// client_stream: a client connection's byte stream on the broker, plaintext TCP or TLS over it
// (protocol/net/byte_stream.h, shared with the SDK), plus what only a server does: the TLS
// handshake with a timeout, and the subject of the client's verified certificate. Each front end
// writes its read and write loops once over it.
//
// REQUIRES: used from the connection's executor only, like the socket it wraps.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "broker/net/tls_server_context.h"
#include "protocol/net/byte_stream.h"

namespace cairn::broker {

class client_stream : public protocol::byte_stream {
 public:
  // Plaintext, or TLS as the server with `context` (kept alive as long as this connection: a
  // SIGHUP reload replaces the listener's context, not this one's).
  using protocol::byte_stream::byte_stream;

  bool is_open() { return socket().is_open(); }

  // The server side of the TLS handshake, bounded by `timeout`: a client that opens the
  // connection and never speaks, or speaks something that is not TLS, ends here with an error.
  // On success, the verified client certificate's subject (if any) is principal().
  boost::asio::awaitable<boost::system::error_code> handshake(std::chrono::milliseconds timeout) {
    using namespace boost::asio::experimental::awaitable_operators;
    constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::asio::steady_timer timer(socket().get_executor(), timeout);
    auto done =
        co_await (tls()->async_handshake(boost::asio::ssl::stream_base::server, use_tuple) ||
                  timer.async_wait(use_tuple));
    if (done.index() == 1) co_return boost::asio::error::timed_out;
    auto [ec] = std::get<0>(done);
    if (ec) co_return ec;
    principal_ = verified_peer_subject(tls()->native_handle());
    co_return boost::system::error_code{};
  }

  // The authenticated identity of the client from its certificate (mTLS), for the SASL and ACL
  // pieces to come; nullopt on plaintext or without a verified certificate.
  const std::optional<std::string>& principal() const { return principal_; }

 private:
  std::optional<std::string> principal_;
};

}  // namespace cairn::broker
