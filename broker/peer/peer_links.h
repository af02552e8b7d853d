// peer_links: this broker's outgoing links, one peer_link per other broker of the cluster map,
// and the routing of each Raft message to the link of its `to`.
//
// REQUIRES: used on the broker's I/O thread (counters from any thread).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "broker/peer/peer_link.h"

namespace cairn::peer {

// node id → where its broker listens (the native port: Replicate is a request like any other).
using cluster_map = std::map<raft::node_id, peer_address>;

class peer_links {
 public:
  // One link per node of `cluster` except options.self.
  peer_links(boost::asio::any_io_executor executor, const cluster_map& cluster,
             const peer_link_options& options);
  ~peer_links();  // stop()

  void start();
  // Routes by message.message.to. False (counted) for a node without a link (unknown, or this
  // node), or when that link dropped it.
  bool send(group_message message);
  // The same gossip to every peer.
  void gossip(const std::vector<raft::partition_leadership>& leaderships);
  void stop();

  peer_link* find(raft::node_id peer) noexcept;
  std::size_t size() const noexcept { return links_.size(); }
  // Sums over the links.
  peer_link_counters totals() const noexcept;
  std::uint64_t unroutable() const noexcept { return unroutable_.load(std::memory_order_relaxed); }

 private:
  std::map<raft::node_id, std::unique_ptr<peer_link>> links_;
  std::atomic<std::uint64_t> unroutable_{0};
};

}  // namespace cairn::peer
