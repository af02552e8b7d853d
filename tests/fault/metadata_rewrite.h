// fault::metadata_port_rewriter: a stream_filter for a tcp_proxy in front of a cairn-broker.
//
// Why: the SDK bootstraps through the address it is given, then talks to each broker at the
// host:port the broker advertises in Metadata (its --listen port). A client bootstrapped through
// a proxy would therefore reach the leader directly and bypass the proxy's faults. This filter
// rewrites the port of each broker in every Metadata response to the port a test chooses (its
// proxy), so all of the client's traffic keeps going through proxies. Other responses pass
// unchanged, byte for byte. (When the broker can advertise an address of its own choosing, as
// Kafka's advertised.listeners, this filter is no longer needed.)
//
// Usage:
//   fault::tcp_proxy proxy({.target_port = broker.port(),
//                           .to_client_filter = fault::metadata_port_rewriter::factory(
//                               [&](std::int32_t node_id, std::uint16_t port) { ... })});
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "protocol/frame.h"
#include "tests/fault/tcp_proxy.h"

namespace cairn::fault {

// (node id, advertised port) -> the port to advertise instead; nullopt keeps the port. Called on
// the proxy's thread: it must be thread-safe against whatever the test changes meanwhile.
using port_map =
    std::function<std::optional<std::uint16_t>(std::int32_t node_id, std::uint16_t port)>;

class metadata_port_rewriter : public stream_filter {
 public:
  explicit metadata_port_rewriter(port_map map) : map_(std::move(map)) {}

  // A per-connection factory for tcp_proxy_options::to_client_filter.
  static std::function<std::unique_ptr<stream_filter>()> factory(port_map map);

  // False on a framing or parse error (the proxy then resets the connection).
  bool transform(std::span<const std::byte> in, std::vector<std::byte>& out) override;

 private:
  port_map map_;
  protocol::frame_reader reader_;
};

}  // namespace cairn::fault
