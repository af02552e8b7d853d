#include "broker/kafka/requests/offset_for_leader_epoch.h"

namespace cairn::broker::kafka {

decoded<offset_for_leader_epoch_request> decode_offset_for_leader_epoch(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  offset_for_leader_epoch_request out;
  if (v >= 3) in.int32();  // replica_id
  const std::size_t partition_bytes = 4 + (v >= 2 ? 4 : 0) + 4;
  out.topics = read_topic_partitions<offset_for_leader_epoch_request::partition>(
      in, partition_bytes, [v](reader& p) {
        offset_for_leader_epoch_request::partition part;
        part.index = p.int32();
        if (v >= 2) part.current_leader_epoch = p.int32();
        part.leader_epoch = p.int32();
        return part;
      });
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
