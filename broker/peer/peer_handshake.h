// peer_handshake: the Handshake a broker opens a connection to a peer broker with, and the check
// of the peer's answer (sans-I/O). Both the Raft link (peer_link) and the one-shot controller
// calls (peer_call) send it first: a peer address reused by another broker, or a broker of
// another cluster, must not receive this cluster's traffic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "broker/raft/types.h"
#include "cairn/base/result.h"
#include "protocol/frame.h"

namespace cairn::peer {

// The Handshake request of broker `self`, which reads answers of at most frame_bytes_max.
result<protocol::frame> handshake_request(std::uint64_t correlation_id, raft::node_id self,
                                          std::size_t frame_bytes_max);

// The peer's answer, checked. Empty: it is node `peer` of cluster `cluster_id`, and
// `peer_frame_bytes_max` is what it reads (0: it did not say). Otherwise why not, for a log line.
std::string check_handshake_answer(protocol::frame answer, raft::node_id peer,
                                   std::string_view cluster_id,
                                   std::uint64_t& peer_frame_bytes_max);

}  // namespace cairn::peer
