#include "broker/kafka/handlers/offset_commit.h"

#include <string>
#include <utility>
#include <vector>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/offset_commit.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

using topic_span = offset_commit_request::topic_span;

// Every entry of the request with its error: the request's own, or the entry's.
response write_commit(const request& r, const offset_commit_request& asked,
                      const group::commit_response& committed, std::int16_t request_error) {
  writer w = begin_response(r);
  if (r.version() >= 3) w.int32(0);  // throttle_time_ms
  w.array_length(asked.topics.size());
  for (const topic_span& t : asked.topics) {
    w.string(t.name);
    w.array_length(t.count);
    for (std::size_t i = t.first; i < t.first + t.count; ++i) {
      std::int16_t error = request_error;
      if (error == 0 && i < committed.partition_errors.size()) {
        error = error_value(committed.partition_errors[i]);
      }
      w.int32(asked.commit.entries[i].partition);
      w.int16(error);
      w.tagged_fields();
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace

boost::asio::awaitable<response> handle_offset_commit(services& s, const request& r_in) {
  // Its own copy of the request: the caller's need not outlive the first suspension.
  const request r = r_in;
  decoded<offset_commit_request> read = decode_offset_commit(r);
  if (!read.ok()) {
    // No top-level error field: each entry read answers INVALID_REQUEST; with none read there
    // is nothing to answer in.
    if (read.request.commit.entries.empty()) co_return close_for(r, read.failure);
    co_return write_commit(r, read.request, {}, value_of(error_code::invalid_request));
  }
  group::commit_response committed = co_await s.groups.commit_offsets(read.request.commit);
  co_return write_commit(r, read.request, committed, error_value(committed.error));
}

}  // namespace cairn::broker::kafka
