#include "broker/kafka/requests/join_group.h"

#include "broker/kafka/requests/array_bounds.h"
#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {

decoded<group::join_request> decode_join_group(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  group::join_request j;
  j.group_id = in.string();
  j.session_timeout_ms = in.int32();
  j.rebalance_timeout_ms = v >= 1 ? in.int32() : j.session_timeout_ms;
  j.member_id = in.string();
  if (v >= 5) j.group_instance_id = in.nullable_string();
  j.protocol_type = in.string();
  const std::size_t protocol_min =
      min_string_bytes(in) + min_bytes_bytes(in) + min_tagged_bytes(in);
  std::int32_t n = in.array_length(protocol_min, kProtocolsMax);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    group::protocol p;
    p.name = in.string();
    // Bounded by the frame (the reader checks the length against what remains); the
    // coordinator refuses metadata over its protocol_metadata_bytes_max.
    auto metadata = in.bytes();
    p.metadata.assign(reinterpret_cast<const char*>(metadata.data()), metadata.size());
    in.tagged_fields();
    j.protocols.push_back(std::move(p));
  }
  if (v >= 8) in.nullable_string();  // reason: for the broker's log in Kafka; not kept here
  in.tagged_fields();
  j.client_id = r.header.client_id.value_or("");
  j.client_host = r.client_host;
  return decoded_from(std::move(j), in);
}

}  // namespace cairn::broker::kafka
