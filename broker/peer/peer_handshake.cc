#include "broker/peer/peer_handshake.h"

#include <fmt/format.h>

namespace cairn::peer {

result<protocol::frame> handshake_request(std::uint64_t correlation_id, raft::node_id self,
                                          std::size_t frame_bytes_max) {
  protocol::frame_writer w;
  auto h = w.init_request(correlation_id).initHandshake();
  h.setProtocolVersion(protocol::wire::PROTOCOL_VERSION);
  h.setProtocolVersionMin(protocol::wire::PROTOCOL_VERSION_MIN);
  h.setClientId(fmt::format("cairn-broker-{}", self));
  h.setFrameBytesMax(frame_bytes_max);
  return w.finish();
}

std::string check_handshake_answer(protocol::frame answer, raft::node_id peer,
                                   std::string_view cluster_id,
                                   std::uint64_t& peer_frame_bytes_max) {
  auto parsed = protocol::parse_response(std::move(answer));
  if (!parsed) return "unparsable handshake answer";
  auto root = parsed.value().root();
  if (root.getErrorCode() != protocol::wire::ErrorCode::NONE) {
    return fmt::format("handshake refused: {}", root.getErrorMessage().cStr());
  }
  if (root.which() != protocol::wire::Response::HANDSHAKE) return "not a handshake answer";
  auto info = root.getHandshake();
  if (info.getNodeId() != peer.value()) {
    return fmt::format("the broker there is node {}, not {}", info.getNodeId(), peer);
  }
  if (std::string_view(info.getClusterId().cStr()) != cluster_id) {
    return fmt::format("the broker there is in cluster '{}', not '{}'", info.getClusterId().cStr(),
                       cluster_id);
  }
  peer_frame_bytes_max = info.getFrameBytesMax();
  return std::string();
}

}  // namespace cairn::peer
