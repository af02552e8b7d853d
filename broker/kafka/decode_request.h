// decode_request: one whole request frame (after its size prefix) through the same header
// reader, table of served versions and body decoders (requests/) the connection loop and the
// handlers use, with no network, no broker state and no answer: the seam the libFuzzer targets
// (tests/kafka/fuzz/) and the seeded generator test feed bytes to.
#pragma once

#include <cstddef>
#include <span>

namespace cairn::broker::kafka {

enum class decode_outcome {
  short_header,  // shorter than the fixed header prefix: the connection closes
  unserved,      // an API key or version not served: the connection closes
  bad_header,    // the client id or the header's tagged fields do not decode
  decoded,       // header and body decoded
  refused,       // the body does not decode: the handler answers INVALID_REQUEST or closes
};

decode_outcome decode_request(std::span<const std::byte> frame);

}  // namespace cairn::broker::kafka
