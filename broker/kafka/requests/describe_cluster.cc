#include "broker/kafka/requests/describe_cluster.h"

namespace cairn::broker::kafka {

decoded<describe_cluster_request> decode_describe_cluster(const request& r) {
  reader in = r.body_reader();
  describe_cluster_request out;
  out.include_cluster_authorized_operations = in.boolean();
  if (r.version() >= 1) out.endpoint_type = in.int8();
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
