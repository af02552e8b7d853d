#include "broker/kafka/requests/delete_records.h"

namespace cairn::broker::kafka {

decoded<delete_records_request> decode_delete_records(const request& r) {
  reader in = r.body_reader();
  delete_records_request out;
  out.topics = read_topic_partitions<delete_records_request::partition>(in, 4 + 8, [](reader& p) {
    delete_records_request::partition part;
    part.index = p.int32();
    part.offset = p.int64();
    return part;
  });
  out.timeout_ms = in.int32();
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
