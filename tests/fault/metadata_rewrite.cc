#include "tests/fault/metadata_rewrite.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

namespace cairn::fault {

namespace wire = protocol::wire;

std::function<std::unique_ptr<stream_filter>()> metadata_port_rewriter::factory(port_map map) {
  return [map = std::move(map)] { return std::make_unique<metadata_port_rewriter>(map); };
}

bool metadata_port_rewriter::transform(std::span<const std::byte> in, std::vector<std::byte>& out) {
  auto frames = reader_.feed(in);
  if (!frames) return false;
  for (auto& f : frames.value()) {
    auto raw = protocol::frame_bytes(f);
    std::vector<std::byte> original(raw.begin(), raw.end());  // parse_response takes the frame
    auto parsed = protocol::parse_response(std::move(f));
    if (!parsed) return false;
    if (parsed.value().kind() != wire::Response::METADATA) {
      out.insert(out.end(), original.begin(), original.end());
      continue;
    }
    capnp::MallocMessageBuilder message;
    message.setRoot(parsed.value().root());
    for (auto b : message.getRoot<wire::Response>().getMetadata().getBrokers()) {
      if (auto port = map_(b.getNodeId(), b.getPort())) b.setPort(*port);
    }
    auto words = capnp::messageToFlatArray(message);
    auto bytes = words.asBytes();
    const auto* first = reinterpret_cast<const std::byte*>(bytes.begin());
    out.insert(out.end(), first, first + bytes.size());
  }
  return true;
}

}  // namespace cairn::fault
