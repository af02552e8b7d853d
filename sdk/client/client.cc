// cairn::client and its client_impl: the io thread, connections per broker with reconnect
// backoff, the metadata cache and the request helpers the other parts build on.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <set>
#include <string>

#include "cairn/base/assert.h"
#include "sdk/client/client_impl.h"
#include "sdk/client/tls_client_context.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string address_of(const broker_info& b) {
  return b.host + ":" + std::to_string(b.port);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// client_impl

client_impl::client_impl(client_options options, std::vector<broker_info> bootstrap)
    : work_(io_.get_executor()),
      options_(std::move(options)),
      bootstrap_(std::move(bootstrap)),
      backoff_{options_.reconnect_backoff_ms, options_.reconnect_backoff_max_ms},
      prng_(std::random_device{}()),
      thread_([this] { io_.run(); }) {}

client_impl::~client_impl() {
  // Close every connection on the io thread (their loops end), then stop it.
  std::promise<void> closed;
  asio::post(io_, [&] {
    for (auto& [address, l] : links_) {
      if (l.conn) l.conn->close();
    }
    closed.set_value();
  });
  closed.get_future().wait();
  work_.reset();
  io_.stop();
  thread_.join();
  links_.clear();
}

void client_impl::run_blocking(std::function<asio::awaitable<void>()> op) {
  CAIRN_ASSERT(!on_io_thread(), "a blocking SDK call on the client's own thread would deadlock");
  std::promise<void> done;
  auto future = done.get_future();
  asio::co_spawn(io_, std::move(op), [&done](std::exception_ptr e) {
    if (e) {
      done.set_exception(e);
    } else {
      done.set_value();
    }
  });
  future.get();
}

void client_impl::reset_bootstrap(std::vector<broker_info> bootstrap) {
  bootstrap_ = std::move(bootstrap);
  metadata_.clear();
  for (auto& [address, l] : links_) {
    // Backoff state belongs to the old addresses; a restarted broker should be tried now.
    l.failures = 0;
    l.retry_at = {};
  }
}

asio::awaitable<result<std::shared_ptr<sdk::connection>>> client_impl::connection_to(
    const broker_info& broker) {
  std::string address = address_of(broker);
  // Bounded: a waiter loops only when the connect it waited for failed and another began.
  for (int turn = 0; turn < 4; ++turn) {
    link& l = links_[address];
    if (l.conn && l.conn->is_open()) co_return l.conn;
    if (l.connecting) {
      auto ready = l.connected;
      co_await ready->async_wait(use_tuple);
      continue;
    }
    if (steady_clock::now() < l.retry_at) co_return sdk::errc::connect_failed;
    l.connecting = true;
    l.connected = std::make_shared<asio::steady_timer>(io_, steady_clock::time_point::max());
    sdk::connection_options opts{
        .client_id = options_.client_id,
        .connect_timeout = std::chrono::milliseconds(options_.connect_timeout_ms),
        .in_flight_max = options_.in_flight_max,
        .limits = {.frame_bytes_max = options_.frame_bytes_max},
        .tls = tls_context,
        .verify_hostname = !options_.tls || options_.tls->verify_hostname};
    auto conn = co_await sdk::connection::connect(broker.host, broker.port, opts);
    link& after = links_[address];  // the map may have grown meanwhile: look it up again
    after.connecting = false;
    after.connected->cancel();
    after.connected.reset();
    if (!conn) {
      ++after.failures;
      after.retry_at =
          steady_clock::now() + std::chrono::milliseconds(backoff_.delay_ms(after.failures, prng_));
      co_return conn.error();
    }
    after.failures = 0;
    after.conn = conn.value();
    co_return conn.value();
  }
  co_return sdk::errc::connect_failed;
}

asio::awaitable<result<protocol::parsed_response>> client_impl::call(
    const broker_info& broker, const sdk::request_filler& fill, wire::Response::Which expected,
    std::chrono::milliseconds timeout, bool keep_error) {
  BOOST_OUTCOME_CO_TRY(auto conn, co_await connection_to(broker));
  auto called = co_await conn->call(fill, timeout);
  if (!called) {
    // As Kafka's client: a request that timed out says the connection may be dead without an
    // error (a broker killed behind a proxy, a half-open TCP link, a frozen process). Keeping
    // it would time out every request sent to that broker; the next one dials again. Requests
    // still in flight on it fail with connection_lost, which callers retry.
    if (called.error() == sdk::errc::request_timeout) conn->close();
    co_return called.error();
  }
  auto response = std::move(called).value();
  auto root = response.root();
  if (root.getErrorCode() != wire::ErrorCode::NONE &&
      (!keep_error || root.which() == wire::Response::REJECTED)) {
    co_return protocol::from_wire(root.getErrorCode());
  }
  if (root.which() != expected) co_return sdk::errc::unexpected_response;
  co_return std::move(response);
}

asio::awaitable<result<protocol::parsed_response>> client_impl::call_any(
    const sdk::request_filler& fill, wire::Response::Which expected,
    std::chrono::milliseconds timeout) {
  std::vector<broker_info> candidates = metadata_.brokers();
  candidates.insert(candidates.end(), bootstrap_.begin(), bootstrap_.end());
  std::error_code last = sdk::errc::no_brokers;
  std::set<std::string> asked;
  for (const broker_info& b : candidates) {
    // A bootstrap entry is usually also in the metadata: one broker is asked once.
    if (!asked.insert(address_of(b)).second) continue;
    auto r = co_await call(b, fill, expected, timeout);
    if (r) co_return r;
    last = r.error();
    // A broker that answered with an error has spoken for the cluster: do not ask the next.
    if (r.error().category() != sdk::sdk_category()) co_return r.error();
  }
  co_return last == sdk::errc::connect_failed ? sdk::errc::no_brokers : last;
}

asio::awaitable<result<cluster_info>> client_impl::refresh_metadata(
    std::vector<std::string> topics) {
  BOOST_OUTCOME_CO_TRY(auto response, co_await call_any(
                                          [&](wire::Request::Builder req) {
                                            auto m = req.initMetadata();
                                            m.setAllTopics(topics.empty());
                                            auto list =
                                                m.initTopics(static_cast<unsigned>(topics.size()));
                                            for (unsigned i = 0; i < topics.size(); ++i)
                                              list.set(i, topics[i]);
                                          },
                                          wire::Response::METADATA, request_timeout()));
  cluster_info info = sdk::to_cluster_info(response.root().getMetadata());
  metadata_.update(info);
  co_return info;
}

asio::awaitable<result<topic_info>> client_impl::topic(std::string name) {
  if (const topic_info* t = metadata_.topic(name)) co_return *t;
  // A named vector: g++ 12 miscompiles a braced list inside co_await ("array used as
  // initializer").
  std::vector<std::string> wanted{name};
  BOOST_OUTCOME_CO_TRY(auto info, co_await refresh_metadata(std::move(wanted)));
  for (auto& t : info.topics) {
    if (t.name != name) continue;
    if (t.error) co_return t.error;
    co_return std::move(t);
  }
  co_return protocol::errc::unknown_topic;
}

asio::awaitable<result<broker_info>> client_impl::leader_for(sdk::topic_partition tp) {
  if (auto leader = metadata_.leader_for(tp)) co_return *leader;
  metadata_.mark_stale(tp.topic);
  BOOST_OUTCOME_CO_TRY(auto t, co_await topic(tp.topic));
  if (tp.partition < 0 || static_cast<std::size_t>(tp.partition) >= t.partitions.size()) {
    co_return protocol::errc::unknown_partition;
  }
  if (auto leader = metadata_.leader_for(tp)) co_return *leader;
  const partition_info& p = t.partitions[static_cast<std::size_t>(tp.partition)];
  co_return p.error ? p.error : std::error_code(protocol::errc::not_leader);
}

bool client_impl::is_stale_error(std::error_code ec) {
  if (ec.category() == protocol::protocol_category()) {
    return protocol::needs_metadata_refresh(static_cast<protocol::errc>(ec.value()));
  }
  return ec == sdk::errc::connect_failed || ec == sdk::errc::connection_lost;
}

asio::awaitable<result<std::int64_t>> client_impl::list_offset(sdk::topic_partition tp,
                                                               std::int64_t timestamp) {
  BOOST_OUTCOME_CO_TRY(auto leader, co_await leader_for(tp));
  auto response = co_await call(
      leader,
      [&](wire::Request::Builder req) {
        auto t = req.initListOffsets().initTopics(1)[0];
        t.setName(tp.topic);
        auto p = t.initPartitions(1)[0];
        p.setPartition(tp.partition);
        p.setTimestamp(timestamp);
      },
      wire::Response::LIST_OFFSETS, request_timeout());
  if (!response) {
    if (is_stale_error(response.error())) metadata_.mark_stale(tp.topic);
    co_return response.error();
  }
  auto topics = response.value().root().getListOffsets().getTopics();
  if (topics.size() != 1 || topics[0].getPartitions().size() != 1) {
    co_return sdk::errc::unexpected_response;
  }
  auto p = topics[0].getPartitions()[0];
  if (p.getErrorCode() != wire::ErrorCode::NONE) {
    auto ec = protocol::from_wire(p.getErrorCode());
    if (is_stale_error(ec)) metadata_.mark_stale(tp.topic);
    co_return ec;
  }
  if (p.getOffset() < 0 && timestamp >= 0) {
    std::int64_t end = wire::LATEST_TIMESTAMP;
    co_return co_await list_offset(std::move(tp), end);
  }
  co_return p.getOffset();
}

// ---------------------------------------------------------------------------------------------
// client

result<std::unique_ptr<client>> client::create(client_options options) {
  if (options.bootstrap.empty() || options.connect_timeout_ms <= 0 ||
      options.request_timeout_ms <= 0 || options.in_flight_max == 0 ||
      options.reconnect_backoff_ms <= 0 ||
      options.reconnect_backoff_max_ms < options.reconnect_backoff_ms) {
    return sdk::errc::invalid_config;
  }
  std::vector<broker_info> bootstrap;
  for (const auto& a : options.bootstrap) {
    CAIRN_TRY(auto b, sdk::parse_address(a));
    bootstrap.push_back(std::move(b));
  }
  std::shared_ptr<asio::ssl::context> tls;
  if (options.tls) {
    CAIRN_TRY(auto made, sdk::make_tls_client_context(*options.tls));
    tls = std::move(made);
  }
  auto impl = std::make_unique<client_impl>(std::move(options), std::move(bootstrap));
  impl->tls_context = std::move(tls);
  return std::unique_ptr<client>(new client(std::move(impl)));
}

client::client(std::unique_ptr<client_impl> impl) : impl_(std::move(impl)) {}
client::~client() = default;

asio::any_io_executor client::executor() {
  return impl_->io().get_executor();
}

result<void> client::reset_bootstrap(std::vector<std::string> bootstrap) {
  std::vector<broker_info> parsed;
  for (const auto& a : bootstrap) {
    CAIRN_TRY(auto b, sdk::parse_address(a));
    parsed.push_back(std::move(b));
  }
  if (parsed.empty()) return sdk::errc::invalid_config;
  if (impl_->on_io_thread()) {
    impl_->reset_bootstrap(std::move(parsed));
    return success();
  }
  impl_->run_blocking([&]() -> asio::awaitable<void> {
    impl_->reset_bootstrap(std::move(parsed));
    co_return;
  });
  return success();
}

asio::awaitable<result<cluster_info>> client::async_metadata(std::vector<std::string> topics) {
  co_return co_await impl_->refresh_metadata(std::move(topics));
}

result<cluster_info> client::metadata(std::vector<std::string> topics) {
  return impl_->block_on<result<cluster_info>>([&] { return async_metadata(std::move(topics)); });
}

asio::awaitable<result<std::int32_t>> client::async_partition_count(std::string topic) {
  BOOST_OUTCOME_CO_TRY(auto t, co_await impl_->topic(std::move(topic)));
  co_return static_cast<std::int32_t>(t.partitions.size());
}

result<std::int32_t> client::partition_count(std::string topic) {
  return impl_->block_on<result<std::int32_t>>(
      [&] { return async_partition_count(std::move(topic)); });
}

}  // namespace cairn
