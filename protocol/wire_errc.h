// Conversions between protocol::errc (cairn/protocol/errc.h) and the wire ErrorCode enum of
// cairn.capnp. Private to the broker and the SDK's implementation: it includes the generated
// schema header, which is not installed.
#pragma once

#include <system_error>

#include "cairn/protocol/errc.h"
#include "protocol/cairn.capnp.h"

namespace cairn::protocol {

// Wire → errc. An ErrorCode this build does not know (a newer peer) becomes unknown_error_code,
// which is not retriable: the safe reading of an error one cannot interpret.
errc from_wire(wire::ErrorCode code) noexcept;

// errc → wire. The local-only codes map to what the peer should hear: frame_too_large and
// frame_too_many_segments → invalidRequest (the peer sent them), unknown_error_code → internal.
wire::ErrorCode to_wire(errc e) noexcept;

// Any error_code → wire: protocol errors as above, success → none, every other category
// (eventstore, system, ...) → internal. The broker maps eventstore errors it can name itself
// before falling back to this.
wire::ErrorCode to_wire(std::error_code ec) noexcept;

}  // namespace cairn::protocol
