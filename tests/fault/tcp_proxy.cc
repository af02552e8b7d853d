// tcp_proxy: one io_context on one thread. Each connection is a session of two pipes (one per
// direction); each pipe is a reader coroutine that fills a bounded FIFO of chunks and a writer
// coroutine that drains it, honouring pause, delay and one-way loss. All state but the counters
// lives on the proxy's thread; controls post to it and wait, so they are synchronous.
//
// Wake-ups use a steady_timer as a condition variable: a waiter re-checks its condition, then
// waits; a notifier cancels the timer. Both run on the one thread, so no wake-up is lost.
#include "tests/fault/tcp_proxy.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <thread>

namespace cairn::fault {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct chunk {
  std::vector<std::byte> bytes;
  steady::time_point ready_at;
};

// Closes a socket with an RST: SO_LINGER on with a zero timeout discards unsent data.
void reset_socket(tcp::socket& s) {
  boost::system::error_code ignored;
  s.set_option(asio::socket_base::linger(true, 0), ignored);
  s.close(ignored);
}

}  // namespace

class session;

class tcp_proxy::impl {
 public:
  explicit impl(tcp_proxy_options options)
      : options_(std::move(options)),
        target_host_(options_.target_host),
        target_port_(options_.target_port),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~impl();

  // Runs f on the proxy's thread and waits for it. REQUIRES: not called on that thread.
  template <class F>
  void on_io(F f) {
    std::promise<void> done;
    asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  void reset_all();
  void wake_all();

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> run_session(std::shared_ptr<session> s);

  const tcp_proxy_options options_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};

  // Proxy-thread state.
  std::string target_host_;
  std::uint16_t target_port_;
  bool cut_ = false;
  bool paused_ = false;
  bool dropping_[2] = {false, false};  // by direction
  steady::duration delay_{};
  std::vector<std::shared_ptr<session>> sessions_;

  struct {
    std::atomic<std::uint64_t> accepted{0}, refused{0}, failed{0}, open{0};
    std::atomic<std::uint64_t> from_client{0}, to_client{0}, dropped{0}, queued{0};
  } counters_;

  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// One direction of one connection.
struct pipe {
  pipe(asio::io_context& io, tcp::socket& from, tcp::socket& to, direction dir)
      : from(from), to(to), dir(dir), reader_wake(io), writer_wake(io) {}
  tcp::socket& from;
  tcp::socket& to;
  direction dir;
  std::deque<chunk> queue;
  std::size_t queued_bytes = 0;
  bool eof = false;  // the reader saw FIN: the writer passes it on once the queue is empty
  asio::steady_timer reader_wake;
  asio::steady_timer writer_wake;
  std::unique_ptr<stream_filter> filter;
};

class session : public std::enable_shared_from_this<session> {
 public:
  explicit session(tcp_proxy::impl& proxy, tcp::socket client)
      : proxy(proxy),
        client(std::move(client)),
        upstream(proxy.io_),
        up(proxy.io_, this->client, upstream, direction::from_client),
        down(proxy.io_, upstream, this->client, direction::to_client) {
    if (proxy.options_.to_client_filter) down.filter = proxy.options_.to_client_filter();
  }

  // An RST on both sockets; every coroutine of the session returns at its next step.
  void reset() {
    if (closed) return;
    closed = true;
    reset_socket(client);
    reset_socket(upstream);
    for (pipe* p : {&up, &down}) {
      // The chunks stay (a cancelled write may still name one) but no longer count as queued.
      proxy.counters_.queued -= p->queued_bytes;
      p->queued_bytes = 0;
    }
    wake();
    if (counted_open) --proxy.counters_.open;
  }

  void wake() {
    for (pipe* p : {&up, &down}) {
      p->reader_wake.cancel();
      p->writer_wake.cancel();
    }
  }

  // A writer finished its direction (FIN passed on); the second one closes the connection.
  void pipe_done() {
    if (++pipes_done < 2 || closed) return;
    closed = true;
    boost::system::error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
    if (counted_open) --proxy.counters_.open;
  }

  asio::awaitable<void> read(pipe& p);
  asio::awaitable<void> write(pipe& p);

  tcp_proxy::impl& proxy;
  tcp::socket client;
  tcp::socket upstream;
  pipe up;
  pipe down;
  bool closed = false;
  bool counted_open = false;
  int pipes_done = 0;
};

tcp_proxy::impl::~impl() {
  on_io([this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    reset_all();
  });
  work_.reset();
  io_.stop();
  thread_.join();
  // Coroutine frames still suspended (each holds its session) are destroyed with io_.
}

void tcp_proxy::impl::reset_all() {
  for (auto& s : sessions_)
    s->reset();
  sessions_.clear();
}

void tcp_proxy::impl::wake_all() {
  for (auto& s : sessions_)
    s->wake();
}

asio::awaitable<void> tcp_proxy::impl::accept_loop() {
  while (true) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (!acceptor_.is_open()) co_return;
    if (ec) continue;  // e.g. the client reset before accept; EMFILE would spin: tests open few
    std::erase_if(sessions_, [](const auto& s) { return s->closed; });
    if (cut_) {
      ++counters_.refused;
      reset_socket(socket);
      continue;
    }
    auto s = std::make_shared<session>(*this, std::move(socket));
    sessions_.push_back(s);
    asio::co_spawn(io_, run_session(s), asio::detached);
  }
}

asio::awaitable<void> tcp_proxy::impl::run_session(std::shared_ptr<session> s) {
  boost::system::error_code bad_address;
  auto address = asio::ip::make_address(target_host_, bad_address);
  if (bad_address) {
    ++counters_.failed;
    s->reset();
    co_return;
  }
  tcp::endpoint target(address, target_port_);
  asio::steady_timer timeout(io_, std::chrono::milliseconds(options_.connect_timeout_ms));
  auto outcome =
      co_await (s->upstream.async_connect(target, use_tuple) || timeout.async_wait(use_tuple));
  if (s->closed) co_return;  // cut while connecting
  if (outcome.index() == 1 || std::get<0>(std::get<0>(outcome))) {
    ++counters_.failed;
    s->reset();
    co_return;
  }
  boost::system::error_code ignored;
  s->upstream.set_option(tcp::no_delay(true), ignored);
  s->client.set_option(tcp::no_delay(true), ignored);
  ++counters_.accepted;
  ++counters_.open;
  s->counted_open = true;
  asio::co_spawn(io_, s->read(s->up), asio::detached);
  asio::co_spawn(io_, s->read(s->down), asio::detached);
  asio::co_spawn(io_, s->write(s->up), asio::detached);
  co_await s->write(s->down);
}

asio::awaitable<void> session::read(pipe& p) {
  auto self = shared_from_this();
  std::vector<std::byte> buffer(proxy.options_.chunk_bytes_max);
  while (true) {
    // Bounded: at the limit stop reading, so the kernel's buffers fill and the sender waits.
    while (!closed && p.queued_bytes >= proxy.options_.buffer_bytes_max) {
      p.reader_wake.expires_at(steady::time_point::max());
      co_await p.reader_wake.async_wait(use_tuple);
    }
    if (closed) co_return;
    auto [ec, n] = co_await p.from.async_read_some(asio::buffer(buffer), use_tuple);
    if (closed) co_return;
    if (ec == asio::error::eof) {
      p.eof = true;
      p.writer_wake.cancel();
      co_return;
    }
    if (ec) {
      reset();
      co_return;
    }
    chunk c{.bytes = {}, .ready_at = steady::now() + proxy.delay_};
    std::span<const std::byte> in(buffer.data(), n);
    if (p.filter) {
      if (!p.filter->transform(in, c.bytes)) {
        reset();
        co_return;
      }
      if (c.bytes.empty()) continue;
    } else {
      c.bytes.assign(in.begin(), in.end());
    }
    p.queued_bytes += c.bytes.size();
    proxy.counters_.queued += c.bytes.size();
    p.queue.push_back(std::move(c));
    p.writer_wake.cancel();
  }
}

asio::awaitable<void> session::write(pipe& p) {
  auto self = shared_from_this();
  auto& delivered =
      p.dir == direction::from_client ? proxy.counters_.from_client : proxy.counters_.to_client;
  // Bounded by the bytes the reader queues: each turn writes or drops a chunk, or waits.
  while (!closed) {
    if (!p.queue.empty() && proxy.dropping_[static_cast<int>(p.dir)]) {
      proxy.counters_.dropped += p.queue.front().bytes.size();
      p.queued_bytes -= p.queue.front().bytes.size();
      proxy.counters_.queued -= p.queue.front().bytes.size();
      p.queue.pop_front();
      p.reader_wake.cancel();
      continue;
    }
    if (p.queue.empty() && p.eof && !proxy.paused_) {  // a FIN waits for resume() too
      boost::system::error_code ignored;
      p.to.shutdown(tcp::socket::shutdown_send, ignored);
      pipe_done();
      co_return;
    }
    bool can_send = !p.queue.empty() && !proxy.paused_;
    auto wake_at = can_send ? p.queue.front().ready_at : steady::time_point::max();
    if (can_send && wake_at <= steady::now()) {
      chunk& front = p.queue.front();  // deque: push_back keeps references to elements valid
      auto [ec, n] = co_await asio::async_write(p.to, asio::buffer(front.bytes), use_tuple);
      if (closed) co_return;
      if (ec) {
        reset();
        co_return;
      }
      delivered += n;
      p.queued_bytes -= front.bytes.size();
      proxy.counters_.queued -= front.bytes.size();
      p.queue.pop_front();
      p.reader_wake.cancel();
      continue;
    }
    p.writer_wake.expires_at(wake_at);
    co_await p.writer_wake.async_wait(use_tuple);
  }
}

// --- tcp_proxy ---

tcp_proxy::tcp_proxy(tcp_proxy_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

tcp_proxy::tcp_proxy(std::string target_host, std::uint16_t target_port)
    : tcp_proxy(
          tcp_proxy_options{.target_host = std::move(target_host), .target_port = target_port}) {}

tcp_proxy::~tcp_proxy() = default;

std::uint16_t tcp_proxy::port() const {
  return impl_->port_;
}

std::string tcp_proxy::address() const {
  return "127.0.0.1:" + std::to_string(port());
}

void tcp_proxy::cut() {
  impl_->on_io([this] {
    impl_->cut_ = true;
    impl_->reset_all();
  });
}

void tcp_proxy::heal() {
  impl_->on_io([this] {
    impl_->cut_ = false;
    impl_->dropping_[0] = impl_->dropping_[1] = false;
    impl_->wake_all();
  });
}

void tcp_proxy::pause() {
  impl_->on_io([this] { impl_->paused_ = true; });
}

void tcp_proxy::resume() {
  impl_->on_io([this] {
    impl_->paused_ = false;
    impl_->wake_all();
  });
}

void tcp_proxy::cut_direction(direction d) {
  impl_->on_io([this, d] {
    impl_->dropping_[static_cast<int>(d)] = true;
    impl_->wake_all();
  });
}

void tcp_proxy::set_delay(std::int64_t delay_ms) {
  impl_->on_io([this, delay_ms] { impl_->delay_ = std::chrono::milliseconds(delay_ms); });
}

void tcp_proxy::set_target(std::string host, std::uint16_t port) {
  impl_->on_io([this, &host, port] {
    impl_->target_host_ = std::move(host);
    impl_->target_port_ = port;
  });
}

tcp_proxy_counters tcp_proxy::counters() const {
  auto& c = impl_->counters_;
  return {.connections_accepted = c.accepted.load(),
          .connections_refused = c.refused.load(),
          .connections_failed = c.failed.load(),
          .connections_open = c.open.load(),
          .bytes_from_client = c.from_client.load(),
          .bytes_to_client = c.to_client.load(),
          .bytes_dropped = c.dropped.load(),
          .bytes_queued = c.queued.load()};
}

}  // namespace cairn::fault
