#include "broker/kafka/requests/sync_group.h"

#include "broker/kafka/requests/array_bounds.h"
#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {

decoded<sync_group_request> decode_sync_group(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  sync_group_request out;
  group::sync_request& s = out.sync;
  s.group_id = in.string();
  s.generation = group::generation_id{in.int32()};
  s.member_id = in.string();
  if (v >= 3) s.group_instance_id = in.nullable_string();
  if (v >= 5) {
    out.protocol_type = in.nullable_string();
    out.protocol_name = in.nullable_string();
  }
  const std::size_t assignment_min =
      min_string_bytes(in) + min_bytes_bytes(in) + min_tagged_bytes(in);
  std::int32_t n = in.array_length(assignment_min, kMembersMax);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    group::member_assignment a;
    a.member_id = in.string();
    auto assignment = in.bytes();
    a.assignment.assign(reinterpret_cast<const char*>(assignment.data()), assignment.size());
    in.tagged_fields();
    s.assignments.push_back(std::move(a));
  }
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
