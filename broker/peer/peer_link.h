// peer_link: the one outgoing connection from this broker to one peer broker, carrying the Raft
// messages of every group (and the leadership gossip) in Replicate requests.
//
// - A coroutine on the broker's executor connects (resolve + connect + optional handshake
//   within connect_timeout), retrying with backoff (backoff_min doubling to backoff_max) and
//   reconnecting whenever the connection breaks, until stop().
// - send() only queues: the writer builds one Replicate frame from everything queued since its
//   last write (messages produced in one I/O-loop turn share a frame; a frame stops taking
//   messages past frame_bytes_soft_max) and writes frames back to back without waiting for
//   answers (pipelined). Responses are read and discarded; a refused request is counted and
//   logged (rate-limited).
// - Bounded: queued messages are charged their wire size against queued_bytes_max; past it,
//   send() drops the message and counts it, rather than grow (Raft resends). On a connection
//   attempt that fails, everything queued is dropped: a message waits for at most the current
//   connection or the next attempt, never for a long outage (it would be stale by then).
//   Memory: queued_bytes_max + the frame being written (<= frame_bytes_soft_max, or one
//   message larger than that).
// - Never blocks: every wait is a coroutine suspension on the broker's executor.
//
// REQUIRES: every member is called on the executor's thread (the broker's I/O thread); the
// counters may be read from any thread.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/peer/raft_codec.h"

namespace cairn::peer {

struct peer_address {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const peer_address&) const = default;
};

struct peer_link_options {
  std::string cluster_id = "cairn";
  raft::node_id self{0};  // this broker: Replicate.fromNode
  std::chrono::milliseconds backoff_min{20};
  std::chrono::milliseconds backoff_max{1'000};
  std::chrono::milliseconds connect_timeout{2'000};  // resolve + connect + handshake
  // A connection with frames written (or being written) and no answer for this long is given
  // up and dialled again: a peer that died behind a proxy or a half-open TCP connection would
  // otherwise take every message into a socket that never drains (Kafka's request.timeout.ms).
  std::chrono::milliseconds response_timeout{3'000};
  std::size_t queued_bytes_max = std::size_t{8} << 20;
  std::size_t frame_bytes_soft_max = std::size_t{1} << 20;
  // The hard limit per frame (the peer closes a connection past its own limit; the handshake
  // lowers this to what the peer announces). A message alone above it is dropped.
  std::size_t frame_bytes_max = std::size_t{64} << 20;
  // Handshake first, and check that the peer is the node and the cluster we expect (a peer
  // address reused by another broker must not receive this group's traffic).
  bool handshake = true;
};

struct peer_link_counters {
  std::uint64_t frames_sent = 0;
  std::uint64_t messages_sent = 0;  // handed to the socket in a completed write
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_dropped = 0;  // over budget, stopped, failed attempt, failed write
  std::uint64_t connects = 0;          // connections established (handshake done)
  std::uint64_t reconnects = 0;        // connects after the first
  std::uint64_t connect_failures = 0;
  std::uint64_t responses = 0;
  std::uint64_t responses_refused = 0;  // answered with an error code
};

class peer_link {
 public:
  peer_link(boost::asio::any_io_executor executor, raft::node_id peer, peer_address address,
            peer_link_options options);
  peer_link(const peer_link&) = delete;
  peer_link& operator=(const peer_link&) = delete;
  ~peer_link();  // stop()

  // Starts the connection coroutine. Once.
  void start();

  // Queues a message for the next frame. False (and counted as dropped) when the budget is
  // full or the link is stopped. The message's `to` is not checked: peer_links routes.
  bool send(group_message message);

  // Leadership gossip for the next frame: replaces any not sent yet (the newest view wins, so
  // gossip takes at most one list of memory) and makes a frame even without messages.
  void gossip(std::vector<raft::partition_leadership> leaderships);

  // Closes the connection, cancels every wait and drops what is queued. The coroutine ends
  // soon after on the executor; safe while connecting, idempotent, and the link can be
  // destroyed right after.
  void stop();

  raft::node_id peer() const noexcept;
  bool connected() const noexcept;
  std::size_t queued_bytes() const noexcept;
  peer_link_counters counters() const noexcept;

  struct state;

 private:
  std::shared_ptr<state> state_;  // shared with the coroutines, which may outlive this handle
};

}  // namespace cairn::peer
