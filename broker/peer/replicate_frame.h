// replicate_frame: one Replicate request frame from the messages and the leadership gossip a
// peer link queued since its last write. Sans-I/O, so it is tested without a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "broker/peer/raft_codec.h"
#include "cairn/base/result.h"
#include "protocol/frame.h"

namespace cairn::peer {

// An upper estimate of a message's bytes inside a frame (the envelope, the topic, each entry's
// fixed part and its records, rounded up to words): what a link charges to its byte budget.
std::size_t wire_bytes_estimate(const group_message& m) noexcept;
std::size_t wire_bytes_estimate(const raft::partition_leadership& l) noexcept;

// Builds Request{correlation_id, replicate{cluster_id, from, messages, leaderships}}.
// protocol::errc::frame_too_large when it would exceed frame_bytes_max (the peer would close
// the connection on it): the caller drops it.
result<protocol::frame> build_replicate_frame(
    std::uint64_t correlation_id, std::string_view cluster_id, raft::node_id from,
    std::span<const group_message> messages,
    std::span<const raft::partition_leadership> leaderships, std::size_t frame_bytes_max);

}  // namespace cairn::peer
