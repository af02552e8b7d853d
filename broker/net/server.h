// broker_server: the Asio shell of the broker. Accepts connections, splits each byte stream into
// frames (protocol::frame_reader), runs each request's handler while the connection keeps
// reading (many requests in flight, answered out of order), and writes the responses back in
// completion order. Fetches wait for data (long poll) until a commit on one of their partitions
// wakes them or max wait passes.
//
// Threads: the io_context runs on one thread, which owns all connection state. Produce appends
// there (a write to the page cache: on a small VM a hand-off to another thread and back costs far
// more, docs/benchmarks.md) and hands commits that must wait for fdatasync to the
// commit_flusher; every other handler, which may block on disk, runs on `workers`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "broker/admin/metrics.h"
#include "broker/handlers/handlers.h"
#include "broker/net/group_coordinator.h"
#include "broker/net/partition_waits.h"
#include "broker/net/tls_server_context.h"
#include "broker/peer/replicate_sink.h"

namespace cairn::broker {

struct server_limits {
  // Requests one connection may have in flight before the broker stops reading from it.
  std::size_t in_flight_max = 256;
  protocol::frame_limits frames;
};

class broker_server {
 public:
  broker_server(boost::asio::io_context& io, boost::asio::thread_pool& workers,
                partition_waits& waits, group_coordinator& groups, handler_context& ctx,
                broker_metrics& metrics, server_limits limits = {});
  ~broker_server();

  // Binds and listens; port 0 picks a free port (see local_endpoint()).
  result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // TLS on this listener (before start()): every accepted connection handshakes with the
  // context's current() first. nullptr, the default: plaintext.
  void set_tls(std::shared_ptr<tls_server_context> tls);
  void start();
  // Stops accepting and closes every connection.
  void stop();

  // Cluster mode: Replicate requests go to `sink` (nullptr: standalone, they are refused with
  // invalidRequest). Before start(), or on the I/O thread; the sink outlives the server's run.
  void set_replicate_sink(peer::replicate_sink* sink);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cairn::broker
