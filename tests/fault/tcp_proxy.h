// fault::tcp_proxy: a TCP proxy on 127.0.0.1 that a test puts between a client and a server
// (a client and a broker, or two brokers) to break the network between them on command.
//
// It listens on 127.0.0.1, port 0 (port() says which), and forwards every accepted connection to
// the target, both directions, on one background thread. Every control is thread-safe, callable
// from the test thread at any time, and synchronous: when it returns, the proxy acts on it (a
// chunk already handed to the kernel by then is delivered; no later chunk is).
//
//   cut() / heal()        every open connection is reset (SO_LINGER 0: an RST, so both ends see
//                         ECONNRESET at once, no FIN handshake) and new connections are accepted
//                         and reset at once, until heal(). While cut, a client's connect() may
//                         succeed (the kernel completes the handshake) but its first read fails.
//   pause() / resume()    no byte is forwarded, either way; connections stay open and no end
//                         notices (a partition TCP does not see). Bytes queue in the proxy, up
//                         to buffer_bytes_max per direction and connection, then the proxy stops
//                         reading and the kernel's buffers fill: the sender blocks, as it would
//                         behind a dead link. resume() delivers everything queued, in order.
//   cut_direction(d)      bytes in direction d are read and dropped (one-way loss, connections
//                         stay open) until heal(). Dropped bytes are counted, never delivered.
//   set_delay(ms)         each chunk read from then on is forwarded no earlier than ms after it
//                         was read; order is kept (a FIFO per direction).
//   set_target(h, p)      new connections go to h:p (a broker restarted on another port);
//                         open ones are left alone (cut() them if they must go).
//
// End of stream: a FIN from one end is passed on (shutdown(send)) once the bytes before it are
// delivered; the connection closes when both directions have ended. A read or write error on
// either socket resets both.
//
// Limits: IPv4 loopback numbers only ("127.0.0.1"), no name resolution; faults act on chunks of
// up to 64 KiB as read from the socket, not on packets (no loss, reordering or duplication of
// segments inside TCP: see tests/fault/README.md for network namespaces).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cairn::fault {

enum class direction {
  from_client,  // client -> target (requests)
  to_client,    // target -> client (responses)
};

// Rewrites the bytes of one direction of one connection, as a stream (chunks arrive split at any
// byte). transform() returns the bytes to forward now (possibly none while it holds a partial
// message). A filter error closes the connection (reset), as a corrupt stream would.
class stream_filter {
 public:
  virtual ~stream_filter() = default;
  // false: the stream cannot be understood; the proxy resets the connection.
  virtual bool transform(std::span<const std::byte> in, std::vector<std::byte>& out) = 0;
};

struct tcp_proxy_options {
  std::string target_host = "127.0.0.1";
  std::uint16_t target_port = 0;
  // Bytes queued per direction and connection before the proxy stops reading that side.
  std::size_t buffer_bytes_max = std::size_t{4} << 20;
  std::size_t chunk_bytes_max = 64 * 1024;  // one read
  std::int64_t connect_timeout_ms = 5'000;  // to the target; on expiry the client is reset
  // A fresh filter for each connection's target -> client bytes; null: bytes pass unchanged.
  // Called on the proxy's thread. (e.g. fault::metadata_port_rewriter, metadata_rewrite.h)
  std::function<std::unique_ptr<stream_filter>()> to_client_filter;
};

// Monotonic counters since construction. Bytes are counted when written to the receiving socket
// (dropped bytes separately).
struct tcp_proxy_counters {
  std::uint64_t connections_accepted = 0;  // accepted and forwarded to the target
  std::uint64_t connections_refused = 0;   // accepted and reset at once because cut
  std::uint64_t connections_failed = 0;    // the target did not accept in time
  std::uint64_t connections_open = 0;      // now
  std::uint64_t bytes_from_client = 0;     // delivered to the target
  std::uint64_t bytes_to_client = 0;       // delivered to the client
  std::uint64_t bytes_dropped = 0;         // read, then dropped by cut_direction
  std::uint64_t bytes_queued = 0;          // now: read and not yet delivered, all connections
};

class tcp_proxy {
 public:
  // Binds 127.0.0.1:0 and starts the thread. Throws std::system_error if it cannot bind (a test
  // setup failure, not a condition to handle).
  explicit tcp_proxy(tcp_proxy_options options);
  tcp_proxy(std::string target_host, std::uint16_t target_port);
  // Resets every connection, stops the thread and joins it.
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  std::uint16_t port() const;
  std::string address() const;  // "127.0.0.1:<port>"

  void cut();
  void heal();  // undoes cut() and cut_direction()
  void pause();
  void resume();
  void cut_direction(direction d);
  void set_delay(std::int64_t delay_ms);
  void set_target(std::string host, std::uint16_t port);

  tcp_proxy_counters counters() const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace cairn::fault
