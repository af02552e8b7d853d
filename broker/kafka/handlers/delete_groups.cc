#include "broker/kafka/handlers/delete_groups.h"

#include <string>
#include <system_error>
#include <vector>

#include "broker/kafka/handlers/group_common.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {

boost::asio::awaitable<response> handle_delete_groups(services& s, const request& r_in) {
  // Its own copy of the request: the caller's need not outlive the first suspension.
  const request r = r_in;
  reader in = r.body_reader();
  std::vector<std::string> ids;
  std::int32_t n = in.array_length(min_string_bytes(in), kGroupIdsMax);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    std::string id = in.string();
    if (in.ok()) ids.push_back(std::move(id));
  }
  in.tagged_fields();
  // No top-level error: each group read answers INVALID_REQUEST; with none read, close.
  if (!in.ok() && ids.empty()) co_return close_for(r, in);

  std::vector<std::int16_t> errors;
  for (const std::string& id : ids) {
    if (!in.ok()) {
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
