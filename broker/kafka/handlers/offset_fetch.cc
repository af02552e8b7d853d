#include "broker/kafka/handlers/offset_fetch.h"

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/offset_fetch.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

using group_query = offset_fetch_request::group_query;

// One group's topics, each with its partitions, in the order the coordinator answered (the
// request's order, or by topic and partition for all): a topic's partitions are consecutive.
// `error` (the group's) goes on each partition where the version has no group-level field.
void write_topics(writer& w, std::int16_t v, const std::vector<group::fetched_offset>& fetched,
                  std::int16_t partition_error) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // [first, end) of each topic
  for (std::size_t i = 0; i < fetched.size(); ++i) {
    if (runs.empty() || fetched[runs.back().first].partition.topic != fetched[i].partition.topic) {
      runs.push_back({i, i});
    }
    runs.back().second = i + 1;
  }
  w.array_length(runs.size());
  for (auto [first, end] : runs) {
    w.string(fetched[first].partition.topic);
    w.array_length(end - first);
    for (std::size_t i = first; i < end; ++i) {
      const group::fetched_offset& f = fetched[i];
      w.int32(f.partition.partition);
      w.int64(f.committed ? f.committed->offset.value() : -1);
      if (v >= 5) w.int32(-1);  // committed_leader_epoch: not kept
      w.nullable_string(f.committed ? std::optional<std::string_view>(f.committed->metadata)
                                    : std::optional<std::string_view>(""));
      w.int16(partition_error);
      w.tagged_fields();
    }
    w.tagged_fields();
  }
}

// What the coordinator holds for `q`; on an error, the requested partitions with no offset (so
// a version without a group-level error field can carry the error on each).
std::pair<std::vector<group::fetched_offset>, std::int16_t> fetch(services& s,
                                                                  const group_query& q) {
  auto fetched = s.groups.fetch_offsets(q.group_id, q.partitions);
  if (fetched) return {std::move(fetched).value(), 0};
  std::vector<group::fetched_offset> none;
  if (q.partitions) {
    for (const group::topic_partition& tp : *q.partitions)
      none.push_back({tp, std::nullopt});
  }
  return {std::move(none), error_value(fetched.error())};
}

}  // namespace

response handle_offset_fetch(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<offset_fetch_request> decoded = decode_offset_fetch(r);
  const std::vector<group_query>& queries = decoded.request.groups;
  const bool ok = decoded.ok();

  writer w = begin_response(r);
  if (v >= 3) w.int32(0);  // throttle_time_ms
  if (v <= 7) {
    std::vector<group::fetched_offset> fetched;
    std::int16_t error = value_of(error_code::invalid_request);
    if (ok) std::tie(fetched, error) = fetch(s, queries.front());
    if (v <= 1 && !ok) return close_for(r, decoded.failure);  // no field to say it in
    // v0-1 have no group-level error: it goes on every partition. Later versions answer a
    // failed group with no partitions, as Kafka does.
    if (v >= 2 && error != 0) fetched.clear();
    write_topics(w, v, fetched, v <= 1 ? error : 0);
    if (v >= 2) w.int16(error);
  } else {
    if (!ok && queries.empty()) return close_for(r, decoded.failure);
    w.array_length(queries.size());
    for (const group_query& q : queries) {
      std::vector<group::fetched_offset> fetched;
      std::int16_t error = value_of(error_code::invalid_request);
      if (ok) std::tie(fetched, error) = fetch(s, q);
      if (error != 0) fetched.clear();
      w.string(q.group_id);
      write_topics(w, v, fetched, 0);
      w.int16(error);
      w.tagged_fields();
    }
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
