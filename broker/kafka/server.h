// kafka_server: the Kafka front end's listener and connection loop. Splits each connection's
// bytes into Kafka's size-prefixed frames, reads the request header, routes the request by the
// served-API table (dispatch.h) to its handler, and writes the responses back in request order,
// as Kafka's clients require (they match each answer to the oldest request in flight).
//
// Requests of one connection run concurrently (a fetch long-polling does not hold up the
// produce behind it), but a handler's effects start in arrival order: handlers that run on the
// I/O thread start at once, in order, so two produces of one connection append in the order sent.
//
// Bad input: a frame larger than the limit, a header that cannot be read, an API or version this
// broker does not serve (ApiVersions excepted: KIP-511), or a body that a handler cannot decode
// where its API has no error field: the connection is closed, with a log line that says why, as
// Kafka does; the broker goes on serving every other connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <memory>

#include "broker/admin/metrics.h"
#include "broker/kafka/services.h"
#include "broker/net/tls_server_context.h"

namespace cairn::broker::kafka {

struct server_limits {
  // Kafka's socket.request.max.bytes default: a larger frame closes the connection before its
  // bytes are read.
  std::size_t frame_bytes_max = std::size_t{100} << 20;
  // Requests one connection may have in flight before the broker stops reading from it.
  std::size_t in_flight_max = 64;
};

class kafka_server {
 public:
  kafka_server(services& s, broker_metrics& metrics, server_limits limits = {});
  ~kafka_server();

  // Binds and listens; port 0 picks a free port (see local_endpoint()).
  result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // TLS on this listener (before start()): every accepted connection handshakes with the
  // context's current() first. nullptr, the default: plaintext.
  void set_tls(std::shared_ptr<tls_server_context> tls);
  void start();
  // Stops accepting and closes every connection.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cairn::broker::kafka
