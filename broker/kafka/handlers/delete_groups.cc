#include "broker/kafka/handlers/delete_groups.h"

#include <string>
#include <system_error>
#include <vector>

#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/delete_groups.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {

boost::asio::awaitable<response> handle_delete_groups(services& s, const request& r_in) {
  // Its own copy of the request: the caller's need not outlive the first suspension.
  const request r = r_in;
  decoded<delete_groups_request> decoded = decode_delete_groups(r);
  const std::vector<std::string>& ids = decoded.request.group_ids;
  // No top-level error: each group read answers INVALID_REQUEST; with none read, close.
  if (!decoded.ok() && ids.empty()) co_return close_for(r, decoded.failure);

  std::vector<std::int16_t> errors;
  for (const std::string& id : ids) {
    if (!decoded.ok()) {
      errors.push_back(value_of(error_code::invalid_request));
      continue;
    }
    errors.push_back(error_value(co_await s.groups.delete_group(id)));
  }

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.array_length(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    w.string(ids[i]);
    w.int16(errors[i]);
    w.tagged_fields();
  }
  w.tagged_fields();
  co_return finish(w);
}

}  // namespace cairn::broker::kafka
