// replicate_sink: where a clustered broker's server hands the Replicate requests it receives.
// The server owns the connection and the answer; the sink decides whether the request is taken.
#pragma once

#include <optional>
#include <string>

#include "protocol/cairn.capnp.h"
#include "protocol/wire_errc.h"

namespace cairn::peer {

// Why a whole Replicate request was refused; the server answers it with this error.
struct replicate_refusal {
  protocol::errc code = protocol::errc::invalid_request;
  std::string message;
};

class replicate_sink {
 public:
  virtual ~replicate_sink() = default;

  // One Replicate request, from a frame parse_request validated. Called on the broker's I/O
  // thread, in arrival order per connection; `request` is valid only during the call (copy what
  // is kept). nullopt: taken (the server answers an empty ReplicateResponse). A refusal must
  // have used nothing of the request: a refused request loses nothing and changes nothing.
  virtual std::optional<replicate_refusal> on_replicate(
      protocol::wire::ReplicateRequest::Reader request) = 0;
};

}  // namespace cairn::peer
