// Opens, binds and listens an acceptor, with errors as values (both the native and the HTTP
// listener start this way).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "cairn/base/result.h"

namespace cairn::broker {

inline result<void> listen_on(boost::asio::ip::tcp::acceptor& acceptor,
                              const boost::asio::ip::tcp::endpoint& endpoint) {
  using boost::asio::ip::tcp;
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  return success();
}

}  // namespace cairn::broker
