// The Kafka request header (v0-v2) and response header (v0-v1), on top of the 4-byte size prefix
// that frames every message on a Kafka connection.
//
// Request header v1: api_key int16, api_version int16, correlation_id int32, client_id
// NULLABLE_STRING (always classic, even in v2). v2 adds a tagged-field section. Which version a
// request uses follows from its API and version (flexible versions use v2), so the header is read
// in two steps: the fixed prefix first, then the rest once the API is known.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "broker/kafka/codec/writer.h"

namespace cairn::broker::kafka {

struct request_header {
  std::int16_t api_key = -1;
  std::int16_t api_version = -1;
  std::int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

// The fixed prefix every request header version shares (api key, version, correlation id), or
// nullopt when the frame is shorter than that: the connection cannot answer such a frame.
std::optional<request_header> read_header_prefix(std::span<const std::byte> frame);

// Reads the client id (and, when `flexible`, the header's tagged fields) after the prefix.
// Returns the body's offset in the frame, or nullopt when the header is malformed.
std::optional<std::size_t> read_header_rest(std::span<const std::byte> frame, bool flexible,
                                            request_header& header);

// Starts a response: the size placeholder, the correlation id and, for flexible responses
// (response header v1), an empty tagged-field section. finish_response() fills in the size.
writer start_response(std::int32_t correlation_id, bool flexible_body, bool header_v1);
std::vector<std::byte> finish_response(writer& w);

}  // namespace cairn::broker::kafka
