#include "broker/kafka/server.h"

#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <deque>
#include <exception>
#include <set>

#include "broker/kafka/dispatch.h"
#include "broker/net/client_stream.h"
#include "broker/net/describe_exception.h"
#include "broker/net/listen.h"

namespace cairn::broker::kafka {
namespace asio = boost::asio;
using asio::ip::tcp;
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 64 * 1024;
// A connection starts with this much read buffer and doubles it only while its frames need more:
// an idle client fleet costs the broker a few KiB per connection, not a whole chunk.
constexpr std::size_t kReadBufferFirst = 4 * 1024;
// One write gathers at most this many answers (a client pipelining produces gets the answers
// that completed together in one send).
constexpr std::size_t kWriteFramesMax = 64;

std::int32_t load_size(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
  return static_cast<std::int32_t>(v);
}

}  // namespace

struct kafka_server::impl {
  class connection;

  impl(services& s, broker_metrics& m, server_limits l)
      : svc(s), metrics(m), limits(l), acceptor(s.io) {}

  asio::awaitable<void> accept_loop();

  services& svc;
  broker_metrics& metrics;
  server_limits limits;
  tcp::acceptor acceptor;
  std::shared_ptr<tls_server_context> tls;  // nullptr: plaintext
  std::set<std::shared_ptr<connection>> connections;
  bool stopped = false;
};

class kafka_server::impl::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(impl& server, client_stream stream)
      : server_(server), stream_(std::move(stream)), slot_free_(server.svc.io) {
    slot_free_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    host_ = ec ? "" : remote.address().to_string();
    peer_ = ec ? "?" : host_ + ":" + std::to_string(remote.port());
    server_.metrics.connections_open.fetch_add(1);
  }
  ~connection() { server_.metrics.connections_open.fetch_sub(1); }

  void close() {
    stream_.close();
    slot_free_.cancel();
  }

  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    if (stream_.is_tls() && !co_await handshake()) co_return;
    std::vector<std::byte> buffer(kReadBufferFirst);
    std::size_t begin = 0, end = 0;  // the unparsed bytes are buffer[begin, end)
    while (stream_.is_open() && !closing_) {
      while (pending_.size() >= server_.limits.in_flight_max && stream_.is_open()) {
        // Back-pressure: stop reading until the oldest answer goes out.
        co_await slot_free_.async_wait(use_tuple);
      }
      if (begin > 0 && begin == end) begin = end = 0;
      if (begin == end && buffer.size() > kReadChunk) {
        // A large frame has passed: give its room back rather than hold it while idle.
        std::vector<std::byte>(kReadChunk).swap(buffer);
      }
      if (buffer.size() - end < kReadBufferFirst / 4) {
        // Move the partial frame to the front before reading more; grow (doubling, up to a
        // chunk at a time) only when that does not make room.
        std::memmove(buffer.data(), buffer.data() + begin, end - begin);
        end -= begin;
        begin = 0;
        if (buffer.size() - end < kReadBufferFirst / 4) {
          buffer.resize(buffer.size() + std::min(buffer.size(), kReadChunk));
        }
      }
      auto [ec, n] = co_await stream_.async_read_some(
          asio::buffer(buffer.data() + end, buffer.size() - end), use_tuple);
      if (ec) break;
      end += n;
      server_.metrics.bytes_in_total.fetch_add(n, std::memory_order_relaxed);
      while (end - begin >= 4 && !closing_) {
        std::int32_t size = load_size(buffer.data() + begin);
        if (size < 8 || static_cast<std::size_t>(size) > server_.limits.frame_bytes_max) {
          spdlog::warn("kafka {}: closing the connection: a frame of {} bytes (at most {})", peer_,
                       size, server_.limits.frame_bytes_max);
          server_.metrics.connections_closed_bad_input_total.fetch_add(1);
          closing_ = true;
          break;
        }
        auto whole = static_cast<std::size_t>(size) + 4;
        if (end - begin < whole) {
          // Room for the rest of this frame grows with what has arrived (at most doubling),
          // never straight to what the size prefix claims: a bare 4-byte prefix of 100 MiB on
          // each of many connections must not make the broker allocate 100 MiB for each.
          const std::size_t have = end - begin;
          const std::size_t room = std::min(whole, std::max(2 * have, have + kReadChunk));
          if (buffer.size() - begin < room) {
            std::memmove(buffer.data(), buffer.data() + begin, end - begin);
            end -= begin;
            begin = 0;
            if (buffer.size() < room) buffer.resize(room);
          }
          break;
        }
        std::vector<std::byte> frame(buffer.begin() + static_cast<std::ptrdiff_t>(begin + 4),
                                     buffer.begin() + static_cast<std::ptrdiff_t>(begin + whole));
        begin += whole;
        auto slot = std::make_shared<answer_slot>();
        pending_.push_back(slot);
        asio::co_spawn(server_.svc.io, run(std::move(frame), slot), asio::detached);
      }
    }
    if (closing_) {
      flush();
      if (!writing_) close();
    } else {
      close();
    }
  }

  // The TLS handshake, within the listener's timeout; a failure (plaintext, a certificate the
  // listener refuses, silence) closes this connection with at most one log line per host.
  asio::awaitable<bool> handshake() {
    auto ec = co_await stream_.handshake(server_.tls->settings().handshake_timeout);
    if (ec) {
      server_.tls->note_refused("kafka", host_, peer_, ec.message());
      close();
      co_return false;
    }
    principal_ = stream_.principal();
    if (principal_) spdlog::debug("kafka {}: client certificate {}", peer_, *principal_);
    co_return true;
  }

 private:
  struct answer_slot {
    std::optional<response> answer;
  };

  // Runs one request and files its answer in its slot; answers leave in request order.
  asio::awaitable<void> run(std::vector<std::byte> frame, std::shared_ptr<answer_slot> slot) {
    auto self = shared_from_this();
    response answer = co_await respond(frame);
    if (answer.close_connection) server_.metrics.connections_closed_bad_input_total.fetch_add(1);
    slot->answer = std::move(answer);
    flush();
  }

  asio::awaitable<response> respond(const std::vector<std::byte>& frame) {
    auto prefix = read_header_prefix(frame);
    if (!prefix) co_return refuse("a request header shorter than its fixed part");
    const served_api* served = find_api(prefix->api_key);
    if (served == nullptr) {
      co_return refuse("api key " + std::to_string(prefix->api_key) +
                       " is not served (ApiVersions lists what is)");
    }
    const std::int16_t version = prefix->api_version;
    // ApiVersions answers any version: UNSUPPORTED_VERSION and what is served (KIP-511).
    if (!served->serves(version) && served->key != api_key::api_versions) {
      co_return refuse("api key " + std::to_string(prefix->api_key) + " version " +
                       std::to_string(version) + " is not served (versions " +
                       std::to_string(served->min_version) + "-" +
                       std::to_string(served->max_version) + ")");
    }
    const bool flexible = request_is_flexible(*served, version);
    request r{.header = *prefix, .flexible = flexible, .client_host = host_};
    auto body_at = read_header_rest(frame, flexible, r.header);
    if (!body_at) co_return refuse("a request header that does not decode");
    r.body = std::span<const std::byte>(frame).subspan(*body_at);
    const api_handler* api = &handler_of(served->key);
    try {
      switch (api->where) {
        case runs_on::io:
          co_return api->blocking(server_.svc, r);
        case runs_on::worker: {
          // The token is bound to the workers: post(workers, use_awaitable) alone would resume
          // on the coroutine's own executor, the I/O thread.
          co_await asio::post(asio::bind_executor(server_.svc.workers, asio::use_awaitable));
          std::optional<response> answer;
          try {
            answer = api->blocking(server_.svc, r);
          } catch (...) {
            answer = failed(r);
          }
          co_await asio::post(server_.svc.io, asio::use_awaitable);
          co_return std::move(*answer);
        }
        case runs_on::awaits:
          co_return co_await api->awaiting(server_.svc, r);
      }
    } catch (...) {
      co_return failed(r);
    }
    co_return refuse("no handler");
  }

  // A handler threw: a broker bug. That request's connection closes; the broker goes on.
  response failed(const request& r) {
    spdlog::error("kafka {}: request {} v{} failed: {}", peer_, r.header.api_key,
                  r.header.api_version, describe_current_exception());
    return response{.close_connection = true};
  }

  response refuse(const std::string& why) {
    spdlog::warn("kafka {}: closing the connection: {}", peer_, why);
    return response{.close_connection = true};
  }

  // Moves the answers that are next in request order to the write queue.
  void flush() {
    while (!pending_.empty() && pending_.front()->answer) {
      response answer = std::move(*pending_.front()->answer);
      pending_.pop_front();
      slot_free_.cancel_one();
      if (answer.close_connection) {
        closing_ = true;
        pending_.clear();
        break;
      }
      if (answer.none) continue;
      queue_.push_back(std::move(answer.frame));
    }
    if (!writing_ && !queue_.empty()) {
      writing_ = true;
      asio::co_spawn(server_.svc.io, write_loop(), asio::detached);
    } else if (!writing_ && closing_) {
      close();
    }
  }

  asio::awaitable<void> write_loop() {
    auto self = shared_from_this();
    std::vector<std::vector<std::byte>> sending;
    std::vector<asio::const_buffer> buffers;
    while (!queue_.empty() && stream_.is_open()) {
      sending.clear();
      buffers.clear();
      while (!queue_.empty() && sending.size() < kWriteFramesMax) {
        sending.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      for (const auto& f : sending)
        buffers.emplace_back(f.data(), f.size());
      auto [ec, n] = co_await stream_.async_write(buffers, use_tuple);
      server_.metrics.bytes_out_total.fetch_add(n, std::memory_order_relaxed);
      if (ec) {
        queue_.clear();
        close();
        break;
      }
    }
    writing_ = false;
    if (closing_) close();
  }

  impl& server_;
  client_stream stream_;
  // The verified client certificate's subject (mTLS): the principal seam for SASL and ACLs.
  std::optional<std::string> principal_;
  asio::steady_timer slot_free_;
  std::deque<std::shared_ptr<answer_slot>> pending_;  // in request order
  std::deque<std::vector<std::byte>> queue_;          // answers ready to write, in order
  bool writing_ = false;
  bool closing_ = false;
  std::string peer_;
  std::string host_;
};

asio::awaitable<void> kafka_server::impl::accept_loop() {
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
      if (stopped) break;
      spdlog::warn("kafka accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto c =
        std::make_shared<connection>(*this, tls ? client_stream(std::move(socket), tls->current())
                                                : client_stream(std::move(socket)));
    connections.insert(c);
    asio::co_spawn(
        svc.io,
        [this, c]() -> asio::awaitable<void> {
          co_await c->read_loop();
          connections.erase(c);
        },
        asio::detached);
  }
}

kafka_server::kafka_server(services& s, broker_metrics& metrics, server_limits limits)
    : impl_(std::make_unique<impl>(s, metrics, limits)) {}

kafka_server::~kafka_server() = default;

result<void> kafka_server::listen(const tcp::endpoint& endpoint) {
  return listen_on(impl_->acceptor, endpoint);
}

tcp::endpoint kafka_server::local_endpoint() const {
  return impl_->acceptor.local_endpoint();
}

void kafka_server::set_tls(std::shared_ptr<tls_server_context> tls) {
  impl_->tls = std::move(tls);
}

void kafka_server::start() {
  asio::co_spawn(impl_->svc.io, impl_->accept_loop(), asio::detached);
}

void kafka_server::stop() {
  asio::post(impl_->svc.io, [this] {
    impl_->stopped = true;
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    for (const auto& c : impl_->connections)
      c->close();
  });
}

}  // namespace cairn::broker::kafka
