#include "broker/peer/peer_link.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <utility>

#include "broker/peer/log_limiter.h"
#include "broker/peer/peer_handshake.h"
#include "broker/peer/replicate_frame.h"
#include "protocol/frame.h"

namespace cairn::peer {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Responses are empty ReplicateResponses or short errors: a peer sending more is broken.
constexpr std::size_t response_frame_bytes_max = std::size_t{1} << 20;
constexpr std::size_t read_buffer_bytes = 16 * 1024;

// One TCP connection. Shared by the writer (the link's coroutine) and its reader, which may
// outlive the link's interest in it: each holds a reference.
struct connection {
  explicit connection(const asio::any_io_executor& ex)
      : socket(ex), reader(protocol::frame_limits{.frame_bytes_max = response_frame_bytes_max}) {}

  void close() {
    open = false;
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  tcp::socket socket;
  protocol::frame_reader reader;
  bool open = true;
  // Frames begun (written or being written) and not answered yet, and when the connection
  // last made progress (an answer, or the first frame after a quiet spell).
  std::uint64_t outstanding = 0;
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();
};

}  // namespace

struct peer_link::state {
  state(asio::any_io_executor executor, raft::node_id peer_id, peer_address peer_at,
        peer_link_options opts)
      : ex(std::move(executor)),
        peer(peer_id),
        address(std::move(peer_at)),
        options(std::move(opts)),
        frame_bytes_max(options.frame_bytes_max),
        wake(ex),
        backoff(ex),
        deadline(ex),
        resolver(ex) {}

  std::string name() const {
    return fmt::format("peer {} at {}:{}", peer, address.host, address.port);
  }

  void count(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  // Logs at a bounded rate: a peer that is down for an hour must not log every retry.
  template <class... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) {
    std::uint64_t suppressed = 0;
    if (!log.allow(suppressed)) return;
    spdlog::warn("{}: {}{}", name(), fmt::format(format, std::forward<Args>(args)...),
                 suppressed ? fmt::format(" ({} similar lines suppressed)", suppressed) : "");
  }

  void drop_queue() {
    count(messages_dropped, queue.size());
    queue.clear();
    queued_bytes = 0;
  }

  asio::any_io_executor ex;
  raft::node_id peer;
  peer_address address;
  peer_link_options options;
  std::size_t frame_bytes_max;  // lowered by the peer's handshake

  asio::steady_timer wake;      // the writer waits here for something to send
  asio::steady_timer backoff;   // between connection attempts
  asio::steady_timer deadline;  // of the current attempt
  tcp::resolver resolver;
  std::shared_ptr<connection> conn;  // the current connection, if any

  std::deque<group_message> queue;
  std::size_t queued_bytes = 0;  // wire_bytes_estimate of the queue, <= queued_bytes_max
  std::vector<raft::partition_leadership> gossip;
  bool gossip_pending = false;
  std::uint64_t next_correlation_id = 1;
  bool started = false;
  bool stopped = false;
  log_limiter log;

  std::atomic<bool> is_connected{false};
  std::atomic<std::uint64_t> frames_sent{0}, messages_sent{0}, bytes_sent{0}, messages_dropped{0},
      connects{0}, reconnects{0}, connect_failures{0}, responses{0}, responses_refused{0};
};

namespace {

using state = peer_link::state;

// Reads one frame within the attempt's deadline. An empty optional: timeout, error or close.
asio::awaitable<std::optional<protocol::frame>> read_one_frame(std::shared_ptr<state> s,
                                                               std::shared_ptr<connection> c) {
  std::vector<std::byte> buffer(read_buffer_bytes);
  while (c->open && !s->stopped) {
    auto read = co_await (s->deadline.async_wait(use_tuple) ||
                          c->socket.async_read_some(asio::buffer(buffer), use_tuple));
    if (read.index() == 0) co_return std::nullopt;
    auto [ec, n] = std::get<1>(read);
    if (ec) co_return std::nullopt;
    auto frames = c->reader.feed(std::span<const std::byte>(buffer.data(), n));
    if (!frames || frames.value().size() > 1) co_return std::nullopt;  // one request, one answer
    if (frames.value().size() == 1) co_return std::move(frames.value().front());
  }
  co_return std::nullopt;
}

// Handshake: the peer must be the node and the cluster we expect. Empty string: done.
asio::awaitable<std::string> handshake(std::shared_ptr<state> s, std::shared_ptr<connection> c) {
  auto request =
      handshake_request(s->next_correlation_id++, s->options.self, response_frame_bytes_max);
  if (!request) co_return "cannot build the handshake: " + request.error().message();
  auto bytes = protocol::frame_bytes(request.value());
  auto wrote =
      co_await (s->deadline.async_wait(use_tuple) ||
                asio::async_write(c->socket, asio::buffer(bytes.data(), bytes.size()), use_tuple));
  if (wrote.index() == 0 || std::get<0>(std::get<1>(wrote))) co_return "handshake write failed";
  std::optional<protocol::frame> answer = co_await read_one_frame(s, c);
  if (!answer) co_return "no handshake answer";
  std::uint64_t peer_max = 0;
  std::string refused =
      check_handshake_answer(std::move(*answer), s->peer, s->options.cluster_id, peer_max);
  if (!refused.empty()) co_return refused;
  if (peer_max > 0) {
    s->frame_bytes_max = std::min<std::size_t>(s->options.frame_bytes_max, peer_max);
  }
  co_return std::string();
}

// Resolve, connect and (optionally) handshake within connect_timeout. Empty string: connected.
asio::awaitable<std::string> establish(std::shared_ptr<state> s, std::shared_ptr<connection> c) {
  s->deadline.expires_after(s->options.connect_timeout);
  auto resolved = co_await (
      s->deadline.async_wait(use_tuple) ||
      s->resolver.async_resolve(s->address.host, std::to_string(s->address.port), use_tuple));
  if (resolved.index() == 0) co_return "resolve timed out";
  auto [resolve_ec, endpoints] = std::get<1>(std::move(resolved));
  if (resolve_ec) co_return "resolve failed: " + resolve_ec.message();
  if (s->stopped) co_return "stopped";
  auto connected = co_await (s->deadline.async_wait(use_tuple) ||
                             asio::async_connect(c->socket, endpoints, use_tuple));
  if (connected.index() == 0) co_return "connect timed out";
  if (auto ec = std::get<0>(std::get<1>(connected))) co_return "connect failed: " + ec.message();
  boost::system::error_code ignored;
  c->socket.set_option(tcp::no_delay(true), ignored);
  if (!s->options.handshake || s->stopped) co_return std::string();
  co_return co_await handshake(s, c);
}

// Reads the answers of a connection until it breaks: each is counted, a refusal logged.
asio::awaitable<void> read_responses(std::shared_ptr<state> s, std::shared_ptr<connection> c) {
  std::vector<std::byte> buffer(read_buffer_bytes);
  while (c->open) {
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(buffer), use_tuple);
    if (ec) break;
    auto frames = c->reader.feed(std::span<const std::byte>(buffer.data(), n));
    if (!frames) {
      s->warn("bad response framing: {}", frames.error().message());
      break;
    }
    for (protocol::frame& f : frames.value()) {
      s->count(s->responses);
      if (c->outstanding > 0) --c->outstanding;
      c->last_progress = std::chrono::steady_clock::now();
      auto parsed = protocol::parse_response(std::move(f));
      if (!parsed) {
        s->warn("unparsable response: {}", parsed.error().message());
        continue;
      }
      auto root = parsed.value().root();
      if (root.getErrorCode() != protocol::wire::ErrorCode::NONE) {
        s->count(s->responses_refused);
        s->warn("replicate request {} refused: {} ({})", parsed.value().correlation_id(),
                root.getErrorMessage().cStr(), static_cast<int>(root.getErrorCode()));
      }
    }
  }
  c->close();
  s->wake.cancel();  // the writer may be waiting for messages: let it see the close
}

// Closes a connection that stopped answering (see peer_link_options::response_timeout); the
// writer blocked on it fails and the link dials again.
asio::awaitable<void> watch_responses(std::shared_ptr<state> s, std::shared_ptr<connection> c) {
  asio::steady_timer tick(s->ex);
  while (c->open && !s->stopped) {
    tick.expires_after(s->options.response_timeout / 4);
    co_await tick.async_wait(use_tuple);
    if (!c->open || s->stopped) break;
    if (c->outstanding > 0 &&
        std::chrono::steady_clock::now() - c->last_progress > s->options.response_timeout) {
      s->warn("no answer for {} ms: dialling again", s->options.response_timeout.count());
      c->close();
      s->wake.cancel();
      break;
    }
  }
}

// Takes the next frame's worth of messages off the queue, releasing their budget.
std::vector<group_message> take_batch(state& s) {
  std::vector<group_message> batch;
  std::size_t bytes = 0;
  while (!s.queue.empty()) {
    const std::size_t next = wire_bytes_estimate(s.queue.front());
    if (!batch.empty() && bytes + next > s.options.frame_bytes_soft_max) break;
    bytes += next;
    s.queued_bytes -= next;
    batch.push_back(std::move(s.queue.front()));
    s.queue.pop_front();
  }
  return batch;
}

// Writes frames while the connection lasts. Returns when it breaks or the link stops.
asio::awaitable<void> write_frames(std::shared_ptr<state> s, std::shared_ptr<connection> c) {
  while (!s->stopped && c->open) {
    if (s->queue.empty() && !s->gossip_pending) {
      s->wake.expires_at(asio::steady_timer::time_point::max());
      co_await s->wake.async_wait(use_tuple);  // send(), gossip(), stop() or a close wakes it
      continue;
    }
    std::vector<group_message> batch = take_batch(*s);
    std::vector<raft::partition_leadership> gossip;
    if (s->gossip_pending) gossip.swap(s->gossip);
    s->gossip_pending = false;
    auto frame = build_replicate_frame(s->next_correlation_id++, s->options.cluster_id,
                                       s->options.self, batch, gossip, s->frame_bytes_max);
    if (!frame) {
      s->count(s->messages_dropped, batch.size());
      s->warn("dropped a frame of {} messages: {}", batch.size(), frame.error().message());
      continue;
    }
    auto bytes = protocol::frame_bytes(frame.value());
    if (c->outstanding++ == 0) c->last_progress = std::chrono::steady_clock::now();
    auto [ec, n] =
        co_await asio::async_write(c->socket, asio::buffer(bytes.data(), bytes.size()), use_tuple);
    if (ec) {
      // Maybe partly delivered; Raft does not care which: count them lost.
      s->count(s->messages_dropped, batch.size());
      break;
    }
    s->count(s->frames_sent);
    s->count(s->messages_sent, batch.size());
    s->count(s->bytes_sent, n);
  }
}

asio::awaitable<void> run(std::shared_ptr<state> s) {
  auto delay = s->options.backoff_min;
  bool connected_before = false;
  while (!s->stopped) {
    auto c = std::make_shared<connection>(s->ex);
    s->conn = c;
    std::string failure = co_await establish(s, c);
    if (s->stopped) break;
    if (failure.empty()) {
      s->count(s->connects);
      if (connected_before) s->count(s->reconnects);
      connected_before = true;
      spdlog::info("{}: connected", s->name());
      s->is_connected.store(true);
      asio::co_spawn(s->ex, read_responses(s, c), asio::detached);
      asio::co_spawn(s->ex, watch_responses(s, c), asio::detached);
      const auto since = std::chrono::steady_clock::now();
      co_await write_frames(s, c);
      s->is_connected.store(false);
      if (s->stopped) break;
      s->warn("connection lost");
      // A connection that lasted resets the backoff; one that breaks at once (a peer that
      // accepts and closes) backs off like a failed attempt instead of spinning.
      if (std::chrono::steady_clock::now() - since >= s->options.backoff_max) {
        delay = s->options.backoff_min;
      }
    } else {
      s->count(s->connect_failures);
      s->drop_queue();
      s->warn("{} (retrying in {} ms)", failure, delay.count());
    }
    c->close();
    s->conn.reset();
    s->backoff.expires_after(delay);
    co_await s->backoff.async_wait(use_tuple);
    delay = std::min(delay * 2, s->options.backoff_max);
  }
  s->is_connected.store(false);
}

}  // namespace

peer_link::peer_link(asio::any_io_executor executor, raft::node_id peer, peer_address address,
                     peer_link_options options)
    : state_(std::make_shared<state>(std::move(executor), peer, std::move(address),
                                     std::move(options))) {}

peer_link::~peer_link() {
  stop();
}

void peer_link::start() {
  if (state_->started || state_->stopped) return;
  state_->started = true;
  asio::co_spawn(state_->ex, run(state_), asio::detached);
}

bool peer_link::send(group_message message) {
  state& s = *state_;
  if (s.stopped) {
    s.count(s.messages_dropped);
    return false;
  }
  const std::size_t bytes = wire_bytes_estimate(message);
  if (s.queued_bytes + bytes > s.options.queued_bytes_max) {
    s.count(s.messages_dropped);
    s.warn("{} bytes queued, budget {}: dropping messages", s.queued_bytes,
           s.options.queued_bytes_max);
    return false;
  }
  s.queue.push_back(std::move(message));
  s.queued_bytes += bytes;
  s.wake.cancel();
  return true;
}

void peer_link::gossip(std::vector<raft::partition_leadership> leaderships) {
  state& s = *state_;
  if (s.stopped) return;
  s.gossip = std::move(leaderships);
  s.gossip_pending = true;
  s.wake.cancel();
}

void peer_link::stop() {
  state& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  s.wake.cancel();
  s.backoff.cancel();
  s.deadline.cancel();
  s.resolver.cancel();
  if (s.conn) s.conn->close();
  s.drop_queue();
  s.gossip.clear();
  s.gossip_pending = false;
}

raft::node_id peer_link::peer() const noexcept {
  return state_->peer;
}

bool peer_link::connected() const noexcept {
  return state_->is_connected.load();
}

std::size_t peer_link::queued_bytes() const noexcept {
  return state_->queued_bytes;
}

peer_link_counters peer_link::counters() const noexcept {
  const state& s = *state_;
  constexpr auto relaxed = std::memory_order_relaxed;
  return {.frames_sent = s.frames_sent.load(relaxed),
          .messages_sent = s.messages_sent.load(relaxed),
          .bytes_sent = s.bytes_sent.load(relaxed),
          .messages_dropped = s.messages_dropped.load(relaxed),
          .connects = s.connects.load(relaxed),
          .reconnects = s.reconnects.load(relaxed),
          .connect_failures = s.connect_failures.load(relaxed),
          .responses = s.responses.load(relaxed),
          .responses_refused = s.responses_refused.load(relaxed)};
}

}  // namespace cairn::peer
