// decode_request: one whole request frame (after its size prefix) through the same header
// reader and body decoders the connection loop and handlers use, with no network, no broker
// state and no answer: the seam the libFuzzer targets (tests/kafka/fuzz/) feed bytes to.
#pragma once

#include <cstddef>
#include <span>

namespace cairn::broker::kafka {

enum class decode_outcome {
  short_header,  // shorter than the fixed header prefix: the connection closes
  unserved,      // an API key or version not served: the connection closes
  bad_header,    // the client id or the header's tagged fields do not decode
  header_only,   // the header decoded; this API's handler decodes inline (no body seam yet)
  decoded,       // header and body decoded
  refused,       // the body does not decode: the handler answers INVALID_REQUEST or closes
};

decode_outcome decode_request(std::span<const std::byte> frame);

}  // namespace cairn::broker::kafka
