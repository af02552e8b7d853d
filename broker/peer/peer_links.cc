#include "broker/peer/peer_links.h"

namespace cairn::peer {

peer_links::peer_links(boost::asio::any_io_executor executor, const cluster_map& cluster,
                       const peer_link_options& options) {
  for (const auto& [node, address] : cluster) {
    if (node == options.self) continue;
    links_.emplace(node, std::make_unique<peer_link>(executor, node, address, options));
  }
}

peer_links::~peer_links() {
  stop();
}

void peer_links::start() {
  for (auto& [node, link] : links_)
    link->start();
}

bool peer_links::send(group_message message) {
  auto it = links_.find(message.message.to);
  if (it == links_.end()) {
    unroutable_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return it->second->send(std::move(message));
}

void peer_links::gossip(const std::vector<raft::partition_leadership>& leaderships) {
  for (auto& [node, link] : links_)
    link->gossip(leaderships);
}

void peer_links::stop() {
  for (auto& [node, link] : links_)
    link->stop();
}

peer_link* peer_links::find(raft::node_id peer) noexcept {
  auto it = links_.find(peer);
  return it == links_.end() ? nullptr : it->second.get();
}

peer_link_counters peer_links::totals() const noexcept {
  peer_link_counters sum;
  for (const auto& [node, link] : links_) {
    const peer_link_counters c = link->counters();
    sum.frames_sent += c.frames_sent;
    sum.messages_sent += c.messages_sent;
    sum.bytes_sent += c.bytes_sent;
    sum.messages_dropped += c.messages_dropped;
    sum.connects += c.connects;
    sum.reconnects += c.reconnects;
    sum.connect_failures += c.connect_failures;
    sum.responses += c.responses;
    sum.responses_refused += c.responses_refused;
  }
  return sum;
}

}  // namespace cairn::peer
