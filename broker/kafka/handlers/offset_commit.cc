#include "broker/kafka/handlers/offset_commit.h"

#include <string>
#include <utility>
#include <vector>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

// Entries [first, first + count) of the commit belong to topic `name`, in request order.
struct topic_span {
  std::string name;
  std::size_t first = 0;
  std::size_t count = 0;
};

struct commit_read {
  group::commit_request commit;
  std::vector<topic_span> topics;
};

commit_read read_commit(reader& in, std::int16_t v) {
  commit_read out;
  group::commit_request& c = out.commit;
  c.group_id = in.string();
  if (v >= 1) {
    c.generation = group::generation_id{in.int32()};
    c.member_id = in.string();
  }
  if (v >= 7) c.group_instance_id = in.nullable_string();
  if (v >= 2 && v <= 4) in.int64();  // retention_time_ms
  const std::size_t topic_min = 2 * min_string_bytes(in) + min_tagged_bytes(in);
  std::int32_t topics = in.array_length(topic_min);
  for (std::int32_t t = 0; t < topics && in.ok(); ++t) {
    topic_span span{.name = in.string(), .first = c.entries.size()};
    // partition_index, committed_offset, a nullable metadata string, and the per-version fields.
    std::size_t partition_min = 4 + 8 + min_string_bytes(in) + min_tagged_bytes(in);
    if (v >= 6) partition_min += 4;
    if (v == 1) partition_min += 8;
    std::int32_t partitions = in.array_length(partition_min);
    for (std::int32_t p = 0; p < partitions && in.ok(); ++p) {
      group::offset_commit_entry e{.topic = span.name};
      e.partition = in.int32();
      e.offset = log_offset{in.int64()};
      if (v >= 6) in.int32();  // committed_leader_epoch: not kept (Kafka only echoes it back)
      if (v == 1) in.int64();  // commit_timestamp
      e.metadata = in.nullable_string().value_or("");
      in.tagged_fields();
      if (!in.ok()) break;
      c.entries.push_back(std::move(e));
    }
    in.tagged_fields();
    span.count = c.entries.size() - span.first;
    out.topics.push_back(std::move(span));
  }
  in.tagged_fields();
  return out;
}

// Every entry of the request with its error: the request's own, or the entry's.
response write_commit(const request& r, const commit_read& asked,
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
  reader in = r.body_reader();
  commit_read read = read_commit(in, r.version());
  if (!in.ok()) {
    // No top-level error field: each entry read answers INVALID_REQUEST; with none read there
    // is nothing to answer in.
    if (read.commit.entries.empty()) co_return close_for(r, in);
    co_return write_commit(r, read, {}, value_of(error_code::invalid_request));
  }
  group::commit_response committed = co_await s.groups.commit_offsets(read.commit);
  co_return write_commit(r, read, committed, error_value(committed.error));
}

}  // namespace cairn::broker::kafka
