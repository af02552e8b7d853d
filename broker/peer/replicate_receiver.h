// replicate_receiver: the replicate_sink of a clustered broker. Checks each request's envelope
// (cluster id, a sender in the cluster), decodes every Raft message and every leadership with
// raft_codec, drops (counts, logs at a bounded rate) those that fail or are not addressed
// sender → this node, and hands the rest to the broker's Raft driver.
//
// REQUIRES: used on the broker's I/O thread only (the counters may be read from any thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "broker/peer/log_limiter.h"
#include "broker/peer/raft_codec.h"
#include "broker/peer/replicate_sink.h"

namespace cairn::peer {

struct receiver_counters {
  std::uint64_t requests = 0;             // taken
  std::uint64_t requests_refused = 0;     // wrong cluster, unknown sender, too many items
  std::uint64_t messages = 0;             // delivered to the message handler
  std::uint64_t messages_dropped = 0;     // failed decoding, or not from the sender to this node
  std::uint64_t leaderships = 0;          // delivered to the leadership handler
  std::uint64_t leaderships_dropped = 0;  // failed decoding
};

class replicate_receiver final : public replicate_sink {
 public:
  using message_handler = std::function<void(group_message&&)>;
  using leadership_handler = std::function<void(raft::node_id from, raft::partition_leadership&&)>;

  struct options {
    std::string cluster_id;
    raft::node_id self{0};
    std::vector<raft::node_id> members;  // the cluster's nodes (self may be among them)
    codec_limits limits;
    // Items of one request: a frame is bounded in bytes, this bounds the decode work of one
    // call on the I/O thread (a RaftMessage is ~100 bytes: 64 MiB would be ~600k messages).
    std::size_t messages_max = 65'536;
    std::size_t leaderships_max = 65'536;
  };

  replicate_receiver(options opts, message_handler on_message, leadership_handler on_leadership);

  // The cluster changed (a broker joined or left).
  void set_members(std::vector<raft::node_id> members);

  // Refused (invalid_request, nothing delivered): a cluster id other than ours, a fromNode that
  // is this node or not a member, more than messages_max / leaderships_max items.
  std::optional<replicate_refusal> on_replicate(
      protocol::wire::ReplicateRequest::Reader request) override;

  receiver_counters counters() const noexcept;

 private:
  std::optional<replicate_refusal> take(protocol::wire::ReplicateRequest::Reader request);
  void drop(std::atomic<std::uint64_t>& counter, const std::string& why);

  options options_;
  message_handler on_message_;
  leadership_handler on_leadership_;
  log_limiter log_;
  std::atomic<std::uint64_t> requests_{0}, requests_refused_{0}, messages_{0}, messages_dropped_{0},
      leaderships_{0}, leaderships_dropped_{0};
};

}  // namespace cairn::peer
