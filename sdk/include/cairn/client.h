// cairn::client: the SDK's entry point. Owns one io_context on a background thread, the
// connections to the brokers (one per broker, reconnected with bounded exponential backoff) and
// the metadata cache (topic -> partitions -> leader), refreshed on demand and whenever a broker
// answers with an error that means the client's view is stale.
//
// Two APIs over the same machinery:
//   - blocking calls (admin, producer::flush, consumer::poll, streams, ...) usable from any
//     thread except the client's own: they post to the client's io_context and wait for the
//     answer, never running the io_context on the caller's thread;
//   - `async_*` coroutines returning boost::asio::awaitable, for callers already running on the
//     client's executor (client::executor()). They must not be awaited on another executor.
//
// Lifetimes: admin, producer, consumer and streams hold a reference to their client: destroy
// them first. Callbacks run on the client's thread and must not call blocking SDK functions.
//
// Errors are cairn::result<T> values: sdk::errc (connection, timeouts, configuration) and
// protocol::errc (what the broker answered). sdk::is_retriable(ec) says whether trying again
// may help; every message says what to do.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/errc.h"
#include "cairn/metadata.h"
#include "cairn/protocol/errc.h"
#include "cairn/types.h"

namespace cairn {

using sdk::topic_partition;

template <class T>
using awaitable = boost::asio::awaitable<T>;

// TLS to the brokers' native listeners (set client_options::tls). The client verifies the
// broker's certificate chain always, and by default that it names the host dialled (the
// bootstrap entry's host, or the address a broker advertises).
struct tls_options {
  std::string ca_file;    // PEM CAs the broker's certificate must chain to (empty: the system's)
  std::string cert_file;  // PEM client certificate, for brokers that ask for one (mTLS); optional
  std::string key_file;   // PEM private key of cert_file
  bool verify_hostname = true;
};

struct client_options {
  std::vector<std::string> bootstrap{};  // "host:port", tried in order until one answers
  std::string client_id = "cairn-sdk";
  std::int64_t connect_timeout_ms = 5'000;   // TCP connect + handshake
  std::int64_t request_timeout_ms = 30'000;  // default per request (long polls add their wait)
  std::int64_t reconnect_backoff_ms = 50;    // first wait after a failed connect
  std::int64_t reconnect_backoff_max_ms = 2'000;
  std::size_t in_flight_max = 64;  // requests in flight per connection; more wait for a slot
  std::size_t frame_bytes_max = std::size_t{64} << 20;  // largest response frame accepted
  // TLS when set (create() fails with errc::tls_bad_file when a file is unusable); plaintext when
  // not.
  std::optional<tls_options> tls{};
};

class client_impl;

class client {
 public:
  // Validates the options and starts the background thread; connects lazily (first request).
  // errc::bad_address when a bootstrap entry is not host:port, invalid_config when it is empty.
  static result<std::unique_ptr<client>> create(client_options options);
  ~client();  // stops the thread; pending calls fail with errc::aborted
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  boost::asio::any_io_executor executor();

  // Replaces the bootstrap list and forgets the brokers learned from metadata: for a cluster
  // whose addresses changed (e.g. a broker restarted on another port). Thread-safe.
  result<void> reset_bootstrap(std::vector<std::string> bootstrap);

  // Metadata of these topics (all topics when empty), fetched from a broker now; the cache is
  // updated with it.
  // (No default argument on the coroutine: g++ 12 destroys a braced temporary argument of a
  // coroutine twice. Pass a named vector, never a braced list, to any async_* call.)
  awaitable<result<cluster_info>> async_metadata(std::vector<std::string> topics);
  result<cluster_info> metadata(std::vector<std::string> topics = {});

  // The partition count of a topic, from the cache, fetching metadata when unknown.
  awaitable<result<std::int32_t>> async_partition_count(std::string topic);
  result<std::int32_t> partition_count(std::string topic);

  client_impl& impl() { return *impl_; }

 private:
  explicit client(std::unique_ptr<client_impl> impl);
  std::unique_ptr<client_impl> impl_{};
};

}  // namespace cairn
