// peer_call: one request to one peer broker and its answer, on a connection of its own: what a
// broker that is not the controller asks the controller (AllocateProducerIds, AlterTopic). Those
// are rare (a block of producer ids, a config change), so a connection per call keeps no state
// that could go stale while the controller moves; the Raft traffic keeps its own links.
//
// Blocking: the call runs an io_context of its own on the calling thread, so a worker thread
// (the handlers') may call it and the broker's I/O thread is never involved. REQUIRES: not
// called on the broker's I/O thread (it would stall every connection for up to `timeout`).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "broker/peer/peer_link.h"
#include "cairn/base/result.h"
#include "protocol/frame.h"

namespace cairn::peer {

struct peer_call_options {
  std::string cluster_id = "cairn";
  raft::node_id self{0};
  // The largest answer read (an AlterTopic answer carries a topic's record): a peer announcing
  // more is broken or hostile, and the call fails rather than allocate it.
  std::size_t response_bytes_max = std::size_t{16} << 20;
};

// Connects to `address`, checks with a Handshake that node `peer` of options.cluster_id is
// there, sends the request `fill` builds (its correlation id is set) and returns the answer, all
// within `timeout`. Errors: protocol::errc::request_timed_out (the deadline passed),
// a system error of the connection (refused, reset...), protocol::errc::invalid_request (the
// handshake was refused or found another node or cluster; an unparsable answer, or one to
// another request).
result<protocol::parsed_response> call_peer(
    const peer_address& address, raft::node_id peer, const peer_call_options& options,
    const std::function<void(protocol::wire::Request::Builder)>& fill,
    std::chrono::milliseconds timeout);

}  // namespace cairn::peer
