// fake_peer: a listening socket that plays the receiving broker for peer_link tests. It reads
// frames with protocol::frame_reader, answers handshakes (as node `node_id` of `cluster_id`),
// decodes every Replicate request with raft_codec and records what arrived, and answers each
// with an empty ReplicateResponse (or a refusal). `read = false` accepts and never reads: a
// paused peer. Everything runs on the test's io_context; the state is shared with the
// coroutines, so the handle may go away before they finish.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <set>
#include <vector>

#include "broker/peer/raft_codec.h"
#include "protocol/frame.h"

namespace cairn::peer::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

struct fake_peer_options {
  bool read = true;
  bool answer_handshake = true;
  std::int32_t node_id = 2;
  std::string cluster_id = "cairn";
  protocol::errc refuse = protocol::errc::ok;  // answer every Replicate with this error
};

class fake_peer {
 public:
  struct state {
    explicit state(asio::io_context& io) : acceptor(io) {}
    tcp::acceptor acceptor;
    fake_peer_options options;
    std::set<std::shared_ptr<tcp::socket>> sockets;
    std::vector<group_message> messages;
    std::vector<raft::partition_leadership> leaderships;
    std::vector<std::size_t> frame_sizes;  // messages per Replicate frame
    std::size_t handshakes = 0;
    std::size_t accepted = 0;
    std::size_t bad = 0;  // frames or messages that failed to parse or decode
  };

  fake_peer(asio::io_context& io, std::uint16_t port = 0, fake_peer_options options = {})
      : state_(std::make_shared<state>(io)) {
    state_->options = std::move(options);
    tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
    state_->acceptor.open(at.protocol());
    state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    state_->acceptor.bind(at);
    state_->acceptor.listen();
    asio::co_spawn(io, accept_loop(state_), asio::detached);
  }
  ~fake_peer() { close(); }

  std::uint16_t port() const { return state_->acceptor.local_endpoint().port(); }
  state& s() { return *state_; }

  // Stops listening and closes every connection: the peer "goes down".
  void close() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (const auto& socket : state_->sockets)
      socket->close(ignored);
  }

 private:
  static constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

  static asio::awaitable<void> accept_loop(std::shared_ptr<state> s) {
    while (s->acceptor.is_open()) {
      auto [ec, socket] = co_await s->acceptor.async_accept(use_tuple);
      if (ec) break;
      ++s->accepted;
      auto shared = std::make_shared<tcp::socket>(std::move(socket));
      s->sockets.insert(shared);
      if (s->options.read)
        asio::co_spawn(s->acceptor.get_executor(), serve(s, shared), asio::detached);
    }
  }

  static asio::awaitable<void> serve(std::shared_ptr<state> s,
                                     std::shared_ptr<tcp::socket> socket) {
    protocol::frame_reader reader;
    std::vector<std::byte> buffer(64 * 1024);
    while (socket->is_open()) {
      auto [ec, n] = co_await socket->async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) break;
      auto frames = reader.feed(std::span<const std::byte>(buffer.data(), n));
      if (!frames) {
        ++s->bad;
        break;
      }
      for (protocol::frame& f : frames.value()) {
        std::optional<protocol::frame> answer = handle(*s, std::move(f));
        if (!answer) continue;
        auto bytes = protocol::frame_bytes(*answer);
        auto [wec, wn] = co_await asio::async_write(
            *socket, asio::buffer(bytes.data(), bytes.size()), use_tuple);
        if (wec) break;
      }
    }
    boost::system::error_code ignored;
    socket->close(ignored);
    s->sockets.erase(socket);
  }

  static std::optional<protocol::frame> handle(state& s, protocol::frame f) {
    auto parsed = protocol::parse_request(std::move(f));
    if (!parsed) {
      ++s.bad;
      return std::nullopt;
    }
    auto root = parsed.value().root();
    protocol::frame_writer w;
    auto response = w.init_response(root.getCorrelationId());
    if (root.which() == protocol::wire::Request::HANDSHAKE) {
      ++s.handshakes;
      if (!s.options.answer_handshake) return std::nullopt;
      auto h = response.initHandshake();
      h.setProtocolVersion(1);
      h.setNodeId(s.options.node_id);
      h.setClusterId(s.options.cluster_id);
      h.setFrameBytesMax(protocol::frame_bytes_max_default);
      return std::move(w.finish()).value();
    }
    if (root.which() != protocol::wire::Request::REPLICATE) {
      ++s.bad;
      return std::nullopt;
    }
    auto replicate = root.getReplicate();
    s.frame_sizes.push_back(replicate.getMessages().size());
    for (auto m : replicate.getMessages()) {
      auto decoded = decode_message(m);
      if (!decoded) {
        ++s.bad;
        continue;
      }
      s.messages.push_back(std::move(decoded).value());
    }
    for (auto l : replicate.getLeaderships()) {
      auto decoded = decode_leadership(l);
      if (decoded) s.leaderships.push_back(std::move(decoded).value());
    }
    if (s.options.refuse != protocol::errc::ok) {
      return protocol::make_error_response(root.getCorrelationId(), s.options.refuse,
                                           "refused by the test");
    }
    response.initReplicate();
    return std::move(w.finish()).value();
  }

  std::shared_ptr<state> state_;
};

}  // namespace cairn::peer::testing
