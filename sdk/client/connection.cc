#include "sdk/client/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <vector>

#include "cairn/errc.h"
#include "protocol/wire_errc.h"
#include "sdk/client/tls_client_context.h"

namespace cairn::sdk {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using std::chrono::steady_clock;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Frames written with one gather write: fewer syscalls when many requests queue up at once.
constexpr std::size_t kWriteFramesMax = 64;
}  // namespace

// One call waiting for its response. Lives in the call's coroutine frame; registered in
// pending_ only while the call waits, so the read loop never touches a finished call.
struct connection::pending {
  asio::steady_timer* wake = nullptr;
  std::optional<result<protocol::parsed_response>> outcome;
};

connection::connection(byte_stream stream, connection_options options)
    : stream_(std::move(stream)), options_(std::move(options)), reader_(options_.limits) {}

connection::~connection() = default;

asio::awaitable<result<std::shared_ptr<connection>>> connection::connect(
    std::string host, std::uint16_t port, connection_options options) {
  auto ex = co_await asio::this_coro::executor;
  auto deadline = steady_clock::now() + options.connect_timeout;
  asio::steady_timer timer(ex, deadline);
  tcp::resolver resolver(ex);
  auto resolved = co_await (timer.async_wait(use_tuple) ||
                            resolver.async_resolve(host, std::to_string(port), use_tuple));
  if (resolved.index() == 0) co_return errc::connect_failed;
  auto [resolve_ec, endpoints] = std::get<1>(std::move(resolved));
  if (resolve_ec) co_return errc::connect_failed;

  tcp::socket socket(ex);
  auto connected =
      co_await (timer.async_wait(use_tuple) || asio::async_connect(socket, endpoints, use_tuple));
  if (connected.index() == 0) co_return errc::connect_failed;
  if (std::get<0>(std::get<1>(connected))) co_return errc::connect_failed;
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);

  std::optional<byte_stream> stream;
  if (options.tls) {
    stream.emplace(std::move(socket), options.tls);
    SSL* ssl = stream->tls()->native_handle();
    expect_tls_host(ssl, host, options.verify_hostname);
    auto shaken =
        co_await (timer.async_wait(use_tuple) ||
                  stream->tls()->async_handshake(asio::ssl::stream_base::client, use_tuple));
    if (shaken.index() == 0) co_return errc::connect_failed;
    if (std::get<0>(std::get<1>(shaken))) co_return tls_failure(ssl);
  } else {
    stream.emplace(std::move(socket));
  }
  auto conn = std::make_shared<connection>(std::move(*stream), options);
  asio::co_spawn(ex, conn->read_loop(), asio::detached);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
  auto response = co_await conn->call(
      [&](wire::Request::Builder req) {
        auto h = req.initHandshake();
        h.setProtocolVersion(wire::PROTOCOL_VERSION);
        h.setProtocolVersionMin(wire::PROTOCOL_VERSION_MIN);
        h.setClientId(options.client_id);
        h.setFrameBytesMax(options.limits.frame_bytes_max);
      },
      std::max(left, std::chrono::milliseconds(1)));
  if (!response) {
    conn->close();
    // A handshake that never came back is a failed connect, whatever broke it.
    // Under TLS 1.3 the broker checks our certificate after our side of the handshake is done,
    // so its refusal (no certificate, or one it does not accept) arrives here, on the first read.
    if (response.error() == errc::tls_handshake_failed) co_return response.error();
    co_return errc::connect_failed;
  }
  auto root = response.value().root();
  if (root.getErrorCode() != wire::ErrorCode::NONE) {
    conn->close();
    co_return protocol::from_wire(root.getErrorCode());
  }
  if (root.which() != wire::Response::HANDSHAKE) {
    conn->close();
    co_return errc::unexpected_response;
  }
  auto h = root.getHandshake();
  conn->info_.protocol_version = h.getProtocolVersion();
  conn->info_.node_id = h.getNodeId();
  conn->info_.cluster_id = h.getClusterId();
  conn->info_.broker_version = h.getBrokerVersion();
  if (h.getFrameBytesMax() > 0) conn->info_.frame_bytes_max = h.getFrameBytesMax();
  co_return conn;
}

asio::awaitable<result<void>> connection::acquire_slot(steady_clock::time_point deadline) {
  if (slots_used_ < options_.in_flight_max && slot_waiters_.empty()) {
    ++slots_used_;
    co_return success();
  }
  asio::steady_timer t(stream_.socket().get_executor(), deadline);
  slot_waiters_.push_back(&t);
  co_await t.async_wait(use_tuple);
  // release_slot() hands a slot over by removing the waiter before waking it; a waiter still
  // queued woke by its deadline or by close().
  auto it = std::find(slot_waiters_.begin(), slot_waiters_.end(), &t);
  if (it != slot_waiters_.end()) {
    slot_waiters_.erase(it);
    co_return open_ ? errc::request_timeout : errc::connection_lost;
  }
  co_return success();
}

void connection::release_slot() {
  if (!slot_waiters_.empty() && open_) {
    asio::steady_timer* next = slot_waiters_.front();
    slot_waiters_.pop_front();
    next->cancel();  // the slot passes to it: slots_used_ stays
    return;
  }
  --slots_used_;
}

result<std::uint64_t> connection::enqueue(const request_filler& fill) {
  protocol::frame_writer w;
  std::uint64_t id = next_id_++;
  fill(w.init_request(id));
  auto f = w.finish(static_cast<std::size_t>(info_.frame_bytes_max));
  if (!f) return errc::record_too_large;
  write_queue_.push_back(std::move(f).value());
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(stream_.socket().get_executor(), write_loop(), asio::detached);
  }
  return id;
}

asio::awaitable<result<protocol::parsed_response>> connection::call(
    const request_filler& fill, std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  auto deadline = steady_clock::now() + timeout;
  if (!open_) co_return errc::connection_lost;
  BOOST_OUTCOME_CO_TRYV(co_await acquire_slot(deadline));
  asio::steady_timer wake(stream_.socket().get_executor(), deadline);
  pending p{&wake, std::nullopt};
  auto id = enqueue(fill);
  if (!id) {
    release_slot();
    co_return id.error();
  }
  pending_.emplace(id.value(), &p);
  // Nothing suspends between registering and waiting, so the read loop cannot complete this
  // call before the wait starts (one thread).
  co_await wake.async_wait(use_tuple);
  release_slot();
  if (!p.outcome) {
    pending_.erase(id.value());
    co_return errc::request_timeout;
  }
  co_return std::move(*p.outcome);
}

asio::awaitable<result<void>> connection::send_only(const request_filler& fill,
                                                    std::chrono::milliseconds) {
  if (!open_) co_return errc::connection_lost;
  auto id = enqueue(fill);
  if (!id) co_return id.error();
  co_return success();
}

asio::awaitable<void> connection::read_loop() {
  auto self = shared_from_this();
  std::vector<std::byte> buffer(64 * 1024);
  while (open_) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), use_tuple);
    if (ec) {
      // A TLS alert from the broker (e.g. it refused our certificate) rather than a cut.
      if (ec.category() == asio::error::get_ssl_category()) broken_ = errc::tls_handshake_failed;
      break;
    }
    auto frames = reader_.feed(std::span<const std::byte>(buffer.data(), n));
    if (!frames) break;  // no frame boundary left to resynchronise on
    for (protocol::frame& f : frames.value()) {
      auto id = protocol::peek_correlation_id(f.asPtr());
      auto parsed = protocol::parse_response(std::move(f));
      if (!id) continue;
      auto it = pending_.find(*id);
      if (it == pending_.end()) continue;  // its call timed out: drop the late answer
      pending* p = it->second;
      pending_.erase(it);
      if (parsed) {
        p->outcome.emplace(std::move(parsed).value());
      } else {
        p->outcome.emplace(parsed.error());
      }
      p->wake->cancel();
    }
  }
  close();
}

asio::awaitable<void> connection::write_loop() {
  auto self = shared_from_this();
  std::vector<protocol::frame> frames;
  std::vector<asio::const_buffer> buffers;
  while (!write_queue_.empty() && open_) {
    frames.clear();
    buffers.clear();
    while (!write_queue_.empty() && frames.size() < kWriteFramesMax) {
      frames.push_back(std::move(write_queue_.front()));
      write_queue_.pop_front();
      auto bytes = protocol::frame_bytes(frames.back());
      buffers.emplace_back(bytes.data(), bytes.size());
    }
    auto [ec, n] = co_await stream_.async_write(buffers, use_tuple);
    if (ec) {
      close();
      break;
    }
  }
  writing_ = false;
}

void connection::fail_all(std::error_code ec) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    p->outcome.emplace(ec);
    p->wake->cancel();
  }
}

void connection::close() {
  if (!open_) return;
  open_ = false;
  stream_.close();
  write_queue_.clear();
  fail_all(broken_);
  for (asio::steady_timer* t : slot_waiters_)
    t->cancel();
}

}  // namespace cairn::sdk
