// connection: one TCP connection to one broker, driven by Asio coroutines on one executor.
//
// - connect() resolves, connects and handshakes within connect_timeout (`timer || op`).
// - call() may be awaited by many coroutines at once: each request gets a correlation id, the
//   read loop matches responses to requests by that id (in any order), and at most
//   in_flight_max requests are outstanding; more wait for a slot (within their own timeout).
// - Each call has a timeout; a late response to a timed-out call is dropped.
// - When the connection breaks, every pending call fails with errc::connection_lost
//   (retriable) and the connection stays closed: the client makes a new one.
//
// REQUIRES: all members are used from the executor the connection was created on (the client's
// single io thread), so no member needs a lock.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "cairn/base/result.h"
#include "cairn/errc.h"
#include "protocol/frame.h"
#include "protocol/net/byte_stream.h"

namespace cairn::sdk {

using protocol::byte_stream;

struct connection_options {
  std::string client_id = "cairn-sdk";
  std::chrono::milliseconds connect_timeout{5'000};
  std::size_t in_flight_max = 64;
  protocol::frame_limits limits;  // for responses
  // TLS when set: the handshake runs within connect_timeout, and the broker's certificate must
  // chain to the context's CAs and (verify_hostname) name the host dialled.
  std::shared_ptr<boost::asio::ssl::context> tls;
  bool verify_hostname = true;
};

struct handshake_info {
  std::uint32_t protocol_version = 0;
  std::int32_t node_id = -1;
  std::string cluster_id;
  std::string broker_version;
  std::uint64_t frame_bytes_max = protocol::frame_bytes_max_default;  // for our requests
};

using request_filler = std::function<void(protocol::wire::Request::Builder)>;

class connection : public std::enable_shared_from_this<connection> {
 public:
  using executor_type = boost::asio::any_io_executor;

  // errc::connect_failed (resolve, connect, or timeout), a TLS refusal (errc::tls_untrusted,
  // tls_expired, tls_wrong_host, tls_handshake_failed), or the handshake's error
  // (protocol::errc::unsupported_version).
  static boost::asio::awaitable<result<std::shared_ptr<connection>>> connect(
      std::string host, std::uint16_t port, connection_options options);

  // Sends one request and waits for its response. Errors: connection_lost, request_timeout,
  // record_too_large (the request does not fit the broker's frame limit), or an unparsable
  // response (protocol::errc::invalid_request). The response's own errorCode is not checked.
  boost::asio::awaitable<result<protocol::parsed_response>> call(const request_filler& fill,
                                                                 std::chrono::milliseconds timeout);

  // Sends a request that gets no response (produce with acks=none): done once written.
  boost::asio::awaitable<result<void>> send_only(const request_filler& fill,
                                                 std::chrono::milliseconds timeout);

  void close();
  bool is_open() const { return open_; }
  const handshake_info& info() const { return info_; }
  std::size_t in_flight() const { return pending_.size(); }

  connection(byte_stream stream, connection_options options);
  ~connection();

 private:
  struct pending;
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<result<void>> acquire_slot(std::chrono::steady_clock::time_point deadline);
  result<std::uint64_t> enqueue(const request_filler& fill);
  void release_slot();
  void fail_all(std::error_code ec);

  byte_stream stream_;
  connection_options options_;
  handshake_info info_;
  protocol::frame_reader reader_;
  bool open_ = true;
  // What pending calls fail with when the connection closes.
  std::error_code broken_ = errc::connection_lost;
  bool writing_ = false;
  std::uint64_t next_id_ = 1;
  std::deque<protocol::frame> write_queue_;
  std::unordered_map<std::uint64_t, pending*> pending_;  // bounded by in_flight_max
  std::deque<boost::asio::steady_timer*> slot_waiters_;  // calls waiting for a slot, FIFO
  std::size_t slots_used_ = 0;
};

}  // namespace cairn::sdk
