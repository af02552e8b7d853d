#include "broker/kafka/requests/init_producer_id.h"

namespace cairn::broker::kafka {

decoded<init_producer_id_request> decode_init_producer_id(const request& r) {
  reader in = r.body_reader();
  init_producer_id_request out;
  out.transactional_id = in.nullable_string();
  out.transaction_timeout_ms = in.int32();
  if (r.version() >= 3) {
    out.producer_id = in.int64();
    out.producer_epoch = in.int16();
  }
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
