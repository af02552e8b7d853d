// client_impl: what cairn::client owns, for the SDK's own translation units (producer,
// consumer, admin, streams). Everything here runs on io_ (one thread), so nothing is locked,
// except bootstrap_ which reset_bootstrap() may change from any thread through a post.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cairn/client.h"
#include "sdk/client/backoff.h"
#include "sdk/client/connection.h"
#include "sdk/client/metadata_cache.h"

namespace cairn {

class client_impl {
 public:
  explicit client_impl(client_options options, std::vector<broker_info> bootstrap);
  ~client_impl();

  boost::asio::io_context& io() { return io_; }
  const client_options& options() const { return options_; }
  // The TLS context every connection of this client uses (built once by client::create from
  // options().tls); nullptr: plaintext. Set before the first connection.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  sdk::metadata_cache& metadata() { return metadata_; }
  std::chrono::milliseconds request_timeout() const {
    return std::chrono::milliseconds(options_.request_timeout_ms);
  }

  // Runs `op` on the io thread and waits for it on this thread.
  // REQUIRES: not called on the io thread (it would wait for itself).
  void run_blocking(std::function<boost::asio::awaitable<void>()> op);
  template <class T>
  T block_on(std::function<boost::asio::awaitable<T>()> op) {
    std::optional<T> out;
    run_blocking([&]() -> boost::asio::awaitable<void> { out.emplace(co_await op()); });
    return std::move(*out);
  }
  bool on_io_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // The connection to a broker, connecting (with handshake) when there is none open. After a
  // failed connect the address is not tried again before its backoff passed: until then this
  // fails fast with errc::connect_failed.
  boost::asio::awaitable<result<std::shared_ptr<sdk::connection>>> connection_to(
      const broker_info& broker);

  // A request to this broker; the response's request-level errorCode becomes the error unless
  // `keep_error` (for responses whose body matters with an error, like AppendToStream), and a
  // body of another kind than `expected` is errc::unexpected_response.
  boost::asio::awaitable<result<protocol::parsed_response>> call(
      const broker_info& broker, const sdk::request_filler& fill,
      protocol::wire::Response::Which expected, std::chrono::milliseconds timeout,
      bool keep_error = false);
  // The same to any reachable broker: known brokers first, then the bootstrap list.
  boost::asio::awaitable<result<protocol::parsed_response>> call_any(
      const sdk::request_filler& fill, protocol::wire::Response::Which expected,
      std::chrono::milliseconds timeout);

  // Fetches metadata of these topics (all when empty) and updates the cache.
  boost::asio::awaitable<result<cluster_info>> refresh_metadata(std::vector<std::string> topics);
  // The topic's partitions from the cache, refreshing once when it is missing; unknown_topic
  // when the broker does not know it either.
  boost::asio::awaitable<result<topic_info>> topic(std::string name);
  // The leader of tp, refreshing metadata once when it is unknown.
  boost::asio::awaitable<result<broker_info>> leader_for(sdk::topic_partition tp);

  // ListOffsets for one partition at its leader: the offset for `timestamp`, or for a sentinel
  // (wire::LATEST_TIMESTAMP: the high watermark, EARLIEST_TIMESTAMP: the log start). When no
  // record has a timestamp at or after the one asked, the high watermark (as Kafka's consumers
  // read that answer). Marks the topic's metadata stale on errors that call for it.
  boost::asio::awaitable<result<std::int64_t>> list_offset(sdk::topic_partition tp,
                                                           std::int64_t timestamp);

  // Errors after which the metadata of the partition's topic is stale (a new leader, a broker
  // that went away).
  static bool is_stale_error(std::error_code ec);

  void reset_bootstrap(std::vector<broker_info> bootstrap);

 private:
  struct link {
    std::shared_ptr<sdk::connection> conn;
    bool connecting = false;
    std::int32_t failures = 0;
    std::chrono::steady_clock::time_point retry_at{};
    // While a connect is in progress, others wait on it (cancelled when it is done).
    std::shared_ptr<boost::asio::steady_timer> connected;
  };

  // Declared first, destroyed last: every socket and timer below belongs to it.
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  client_options options_;
  std::vector<broker_info> bootstrap_;
  sdk::metadata_cache metadata_;
  sdk::backoff_policy backoff_;
  std::mt19937_64 prng_;
  std::map<std::string, link> links_;  // "host:port" -> connection state
  std::thread thread_;
};

}  // namespace cairn
