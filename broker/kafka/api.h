// The Kafka APIs this broker serves: their keys, the versions served, where the flexible
// encoding starts, and the shape every handler has. ApiVersions answers from the same table the
// dispatcher routes by, so what is advertised is exactly what is served.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "broker/kafka/codec/reader.h"
#include "broker/kafka/codec/request_header.h"
#include "broker/kafka/codec/writer.h"
#include "broker/kafka/error_code.h"

namespace cairn::broker::kafka {

enum class api_key : std::int16_t {
  produce = 0,
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  offset_commit = 8,
  offset_fetch = 9,
  find_coordinator = 10,
  join_group = 11,
  heartbeat = 12,
  leave_group = 13,
  sync_group = 14,
  describe_groups = 15,
  list_groups = 16,
  api_versions = 18,
  create_topics = 19,
  delete_topics = 20,
  delete_records = 21,
  init_producer_id = 22,
  offset_for_leader_epoch = 23,
  describe_configs = 32,
  alter_configs = 33,
  create_partitions = 37,
  delete_groups = 42,
  incremental_alter_configs = 44,
  describe_cluster = 60,
};

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
// closes such a connection, and so does this broker, after logging why.
response close_for(const request& r, const reader& failed);

}  // namespace cairn::broker::kafka
