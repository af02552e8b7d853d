// The shape every Kafka handler has: the request it gets (header, body, encoding) and the
// response it returns. Which APIs and versions are served is served_apis.h's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/kafka/api_key.h"
#include "broker/kafka/codec/reader.h"
#include "broker/kafka/codec/request_header.h"
#include "broker/kafka/codec/writer.h"
#include "broker/kafka/error_code.h"

namespace cairn::broker::kafka {

// One request as the dispatcher hands it to a handler. `body` points into the connection's
// frame, which outlives the handler's run.
struct request {
  request_header header;
  std::span<const std::byte> body;
  bool flexible = false;  // the body (and the response) use KIP-482's encoding
  std::string client_host;

  std::int16_t version() const { return header.api_version; }
  // A reader over the body in the request's encoding.
  reader body_reader() const { return reader(body, flexible); }
};

// A whole response frame (size prefix and header included), or none at all.
struct response {
  std::vector<std::byte> frame;
  bool none = false;              // Produce with acks=0: Kafka sends nothing back
  bool close_connection = false;  // the body could not be read and the API has no error field
};

// The writer of a response to `r`, the response header already in it: v1 (with tagged fields)
// for flexible versions, v0 otherwise, and always v0 for ApiVersions (KIP-511: a client that
// does not know the broker's versions must still read the answer).
writer begin_response(const request& r);
response finish(writer& w);
// Answered when the body cannot be decoded and the API has no error field to say so in: Kafka
// closes such a connection, and so does this broker, after logging why (`failure`, the
// decoder's reason).
response close_for(const request& r, std::string_view failure);

}  // namespace cairn::broker::kafka
