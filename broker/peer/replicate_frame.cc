#include "broker/peer/replicate_frame.h"

#include <capnp/message.h>

namespace cairn::peer {

namespace {

constexpr std::size_t word_bytes = sizeof(capnp::word);

std::size_t round_up_words(std::size_t bytes) noexcept {
  return (bytes + word_bytes - 1) / word_bytes * word_bytes;
}

// Struct sizes with their pointers, generously rounded: RaftMessage and its union body fit in
// 16 words, an entry (struct, config pointer, records pointer) in 8, a config list in 2 plus ids.
constexpr std::size_t message_fixed_bytes = 16 * word_bytes;
constexpr std::size_t entry_fixed_bytes = 8 * word_bytes;
constexpr std::size_t config_fixed_bytes = 4 * word_bytes;

std::size_t config_bytes(const raft::configuration& c) noexcept {
  return config_fixed_bytes + round_up_words(4 * c.voters.size()) +
         round_up_words(4 * c.learners.size());
}

struct estimate {
  std::size_t operator()(const raft::append_request& m) const noexcept {
    std::size_t bytes = 0;
    for (const raft::entry& e : m.entries) {
      bytes += entry_fixed_bytes + round_up_words(e.records.size());
      if (e.kind == raft::entry_kind::config) bytes += config_bytes(e.config);
    }
    return bytes;
  }
  std::size_t operator()(const raft::install_request& m) const noexcept {
    return config_bytes(m.config);
  }
  template <class Other>
  std::size_t operator()(const Other&) const noexcept {
    return 0;
  }
};

}  // namespace

std::size_t wire_bytes_estimate(const group_message& m) noexcept {
  return message_fixed_bytes + round_up_words(m.group.topic.size() + 1) +
         std::visit(estimate{}, m.message.body);
}

std::size_t wire_bytes_estimate(const raft::partition_leadership& l) noexcept {
  return 16 * word_bytes + round_up_words(l.topic.size() + 1) +
         round_up_words(4 * l.replicas.size()) + round_up_words(4 * l.isr.size()) +
         l.replica_states.size() * 4 * word_bytes;
}

result<protocol::frame> build_replicate_frame(
    std::uint64_t correlation_id, std::string_view cluster_id, raft::node_id from,
    std::span<const group_message> messages,
    std::span<const raft::partition_leadership> leaderships, std::size_t frame_bytes_max) {
  std::size_t bytes = 64 + round_up_words(cluster_id.size() + 1);
  for (const group_message& m : messages)
    bytes += wire_bytes_estimate(m);
  for (const raft::partition_leadership& l : leaderships)
    bytes += wire_bytes_estimate(l);
  // One first segment sized for the whole frame: one allocation and a one-segment frame.
  protocol::frame_writer writer(static_cast<unsigned>(bytes / word_bytes + 1));
  auto replicate = writer.init_request(correlation_id).initReplicate();
  replicate.setClusterId(capnp::Text::Reader(cluster_id.data(), cluster_id.size()));
  replicate.setFromNode(from.value());
  auto out = replicate.initMessages(static_cast<unsigned>(messages.size()));
  for (unsigned i = 0; i < messages.size(); ++i)
    encode_message(messages[i].group, messages[i].message, out[i]);
  auto gossip = replicate.initLeaderships(static_cast<unsigned>(leaderships.size()));
  for (unsigned i = 0; i < leaderships.size(); ++i)
    encode_leadership(leaderships[i], gossip[i]);
  return writer.finish(frame_bytes_max);
}

}  // namespace cairn::peer
