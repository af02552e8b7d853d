#include "broker/peer/replicate_receiver.h"

#include <fmt/format.h>
#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace cairn::peer {

replicate_receiver::replicate_receiver(options opts, message_handler on_message,
                                       leadership_handler on_leadership)
    : options_(std::move(opts)),
      on_message_(std::move(on_message)),
      on_leadership_(std::move(on_leadership)) {}

void replicate_receiver::set_members(std::vector<raft::node_id> members) {
  options_.members = std::move(members);
}

void replicate_receiver::drop(std::atomic<std::uint64_t>& counter, const std::string& why) {
  counter.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t suppressed = 0;
  if (log_.allow(suppressed)) {
    spdlog::warn("replicate: dropped {}{}", why,
                 suppressed ? fmt::format(" ({} similar lines suppressed)", suppressed) : "");
  }
}

std::optional<replicate_refusal> replicate_receiver::on_replicate(
    protocol::wire::ReplicateRequest::Reader request) {
  // The envelope and the lists are read before anything is delivered; decode_message and
  // decode_leadership never throw. A read that exceeds the traversal budget (see
  // decode_message) can therefore only happen here, and refuses the whole request.
  try {
    return take(request);
  } catch (const kj::Exception&) {
    requests_refused_.fetch_add(1, std::memory_order_relaxed);
    return replicate_refusal{protocol::errc::invalid_request, "unreadable replicate request"};
  }
}

std::optional<replicate_refusal> replicate_receiver::take(
    protocol::wire::ReplicateRequest::Reader request) {
  // The envelope first: a refused request must deliver nothing.
  const auto cluster = request.getClusterId();
  const std::int32_t from = request.getFromNode();
  const auto refuse = [this](std::string message) {
    requests_refused_.fetch_add(1, std::memory_order_relaxed);
    return replicate_refusal{protocol::errc::invalid_request, std::move(message)};
  };
  if (std::string_view(cluster.cStr(), cluster.size()) != options_.cluster_id) {
    return refuse(
        fmt::format("replicate from another cluster (this is cluster '{}')", options_.cluster_id));
  }
  const raft::node_id sender{from};
  if (sender == options_.self || from <= 0 ||
      std::find(options_.members.begin(), options_.members.end(), sender) ==
          options_.members.end()) {
    return refuse(fmt::format("replicate from node {}, which is not a peer in this cluster", from));
  }
  const auto messages = request.getMessages();
  const auto leaderships = request.getLeaderships();
  if (messages.size() > options_.messages_max || leaderships.size() > options_.leaderships_max) {
    return refuse(fmt::format("replicate with {} messages and {} leaderships, at most {} and {}",
                              messages.size(), leaderships.size(), options_.messages_max,
                              options_.leaderships_max));
  }
  requests_.fetch_add(1, std::memory_order_relaxed);
  for (auto m : messages) {
    auto decoded = decode_message(m, options_.limits);
    if (!decoded) {
      drop(messages_dropped_, decoded.error().message);
      continue;
    }
    group_message& gm = decoded.value();
    // A link carries its own node's messages to this node only: anything else is misrouted or
    // forged, and must not reach a group as if it came from another member.
    if (gm.message.from != sender || gm.message.to != options_.self) {
      drop(
          messages_dropped_,
          fmt::format("{}/{}: a message from {} to {} on node {}'s link to node {}", gm.group.topic,
                      gm.group.partition, gm.message.from, gm.message.to, sender, options_.self));
      continue;
    }
    messages_.fetch_add(1, std::memory_order_relaxed);
    if (on_message_) on_message_(std::move(gm));
  }
  for (auto l : leaderships) {
    auto decoded = decode_leadership(l, options_.limits);
    if (!decoded) {
      drop(leaderships_dropped_, decoded.error().message);
      continue;
    }
    leaderships_.fetch_add(1, std::memory_order_relaxed);
    if (on_leadership_) on_leadership_(sender, std::move(decoded).value());
  }
  return std::nullopt;
}

receiver_counters replicate_receiver::counters() const noexcept {
  constexpr auto relaxed = std::memory_order_relaxed;
  return {.requests = requests_.load(relaxed),
          .requests_refused = requests_refused_.load(relaxed),
          .messages = messages_.load(relaxed),
          .messages_dropped = messages_dropped_.load(relaxed),
          .leaderships = leaderships_.load(relaxed),
          .leaderships_dropped = leaderships_dropped_.load(relaxed)};
}

}  // namespace cairn::peer
