#include "broker/kafka/requests/list_offsets.h"

namespace cairn::broker::kafka {

decoded<list_offsets_request> decode_list_offsets(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  list_offsets_request out;
  in.int32();             // replica_id
  if (v >= 2) in.int8();  // isolation_level
  const std::size_t partition_bytes = 4 + (v >= 4 ? 4 : 0) + 8;
  out.topics =
      read_topic_partitions<list_offsets_request::partition>(in, partition_bytes, [v](reader& p) {
        list_offsets_request::partition part;
        part.index = p.int32();
        if (v >= 4) part.current_leader_epoch = p.int32();
        part.timestamp = p.int64();
        return part;
      });
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
