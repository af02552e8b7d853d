// AppendToStream and ReadStream: the stream's key picks its partition (Kafka's murmur2), whose
// stream index checks the expected version and finds the events.
#include <algorithm>

#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"
#include "protocol/key_partitioner.h"

namespace cairn::broker {
namespace {

// Bounds one ReadStream: a client asking for "everything" gets pages of this many events.
constexpr std::int32_t kReadStreamCountMax = 10'000;
// ReadStream's maxBytes when the client leaves it 0 (Kafka's fetch.max.bytes is 50 MiB; a
// stream read is usually one aggregate's history, far smaller).
constexpr std::int64_t kReadStreamBytesDefault = 4 << 20;

struct stream_target {
  std::shared_ptr<partition> p;
  std::int32_t id = 0;
};

// `id` receives the stream's partition as soon as it is known (a not_leader answer names it).
result<stream_target> find_stream(handler_context& ctx, capnp::Text::Reader topic,
                                  std::string_view key, std::int32_t* id_out = nullptr) {
  std::string_view name(topic.cStr(), topic.size());
  CAIRN_TRY(auto config, ctx.topics.describe(name));
  std::int32_t id = protocol::partition_for_key(key, config.partitions);
  if (id_out != nullptr) *id_out = id;
  CAIRN_TRY(auto p, ctx.topics.get(name, id));
  return stream_target{std::move(p), id};
}

std::string_view bytes_of(capnp::Data::Reader data) {
  return {reinterpret_cast<const char*>(data.begin()), data.size()};
}

}  // namespace

stream_append_plan append_stream(handler_context& ctx,
                                 wire::AppendToStreamRequest::Reader request) {
  stream_append_plan plan;
  std::string_view key = bytes_of(request.getKey());
  auto expected = eventstore::expected_version::from_int64(request.getExpectedVersion());
  if (!expected || key.empty()) {
    plan.error = protocol::errc::invalid_request;
    plan.error_message = key.empty() ? "the stream key is empty"
                                     : "expectedVersion must be -2 (any), -1 (no stream), -4 "
                                       "(exists) or a version >= 0";
    return plan;
  }
  plan.topic = std::string(request.getTopic().cStr(), request.getTopic().size());
  auto target = find_stream(ctx, request.getTopic(), key, &plan.partition_id);
  if (!target) {
    plan.error = target.error();
    return plan;
  }
  auto appended = target.value().p->stream_append(key, *expected, bytes_of(request.getRecords()));
  if (!appended) {
    plan.error = appended.error();
    return plan;
  }
  plan.appended = std::move(appended).value();
  if (!plan.appended.conflict) plan.target = std::move(target.value().p);
  return plan;
}

protocol::frame answer_append_to_stream(handler_context& ctx, std::uint64_t correlation_id,
                                        const stream_append_plan& plan) {
  protocol::frame_writer w;
  auto r = w.init_response(correlation_id);
  auto out = r.initAppendToStream();
  out.setPartition(plan.partition_id);
  out.setFirstVersion(-1);
  out.setLastVersion(-1);
  out.setBaseOffset(-1);
  out.setActualVersion(-1);
  if (plan.error) {
    set_wire_error(r, plan.error);
    if (!plan.error_message.empty()) r.setErrorMessage(plan.error_message);
    if (plan.error == protocol::errc::not_leader) {
      r.setCurrentLeader(known_leader(ctx, plan.topic, plan.partition_id));
    }
    return finish_response(w, correlation_id, ctx.frame_bytes_max);
  }
  const stream_append_result& result = plan.appended;
  if (result.conflict) {
    r.setErrorCode(wire::ErrorCode::WRONG_EXPECTED_VERSION);
    std::int64_t actual = result.conflict->actual ? result.conflict->actual->value() : -1;
    out.setActualVersion(actual);
    r.setErrorMessage(fmt::format("expected version {}, but the stream is at {}",
                                  result.conflict->expected.to_int64(), actual));
    return finish_response(w, correlation_id, ctx.frame_bytes_max);
  }
  out.setFirstVersion(result.first_version.value());
  out.setLastVersion(result.last_version.value());
  out.setActualVersion(result.last_version.value());
  out.setBaseOffset(result.base_offset);
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_append_to_stream(handler_context& ctx, std::uint64_t correlation_id,
                                        wire::AppendToStreamRequest::Reader request) {
  stream_append_plan plan = append_stream(ctx, request);
  if (plan.target) {
    auto committed = plan.target->commit(plan.appended.end_offset());
    if (!committed) plan.error = committed.error();
  }
  return answer_append_to_stream(ctx, correlation_id, plan);
}

stream_read_outcome read_stream(handler_context& ctx, std::uint64_t correlation_id,
                                wire::ReadStreamRequest::Reader request) {
  stream_read_outcome outcome;
  protocol::frame_writer w;
  auto r = w.init_response(correlation_id);
  auto out = r.initReadStream();
  out.setLastVersion(-1);
  auto finish = [&] {
    outcome.response = finish_response(w, correlation_id, ctx.frame_bytes_max);
    return std::move(outcome);
  };
  std::string_view key = bytes_of(request.getKey());
  if (key.empty() || request.getFromVersion() < 0) {
    r.setErrorCode(wire::ErrorCode::INVALID_REQUEST);
    r.setErrorMessage("a stream key and a fromVersion >= 0 are required");
    return finish();
  }
  auto target = find_stream(ctx, request.getTopic(), key);
  if (!target) {
    set_wire_error(r, target.error());
    return finish();
  }
  out.setPartition(target.value().id);
  std::int32_t count = request.getMaxCount() <= 0
                           ? kReadStreamCountMax
                           : std::min(request.getMaxCount(), kReadStreamCountMax);
  std::int64_t max_bytes =
      request.getMaxBytes() <= 0 ? kReadStreamBytesDefault : request.getMaxBytes();
  auto read = target.value().p->read_stream(key, stream_version{request.getFromVersion()},
                                            static_cast<std::size_t>(count), max_bytes);
  if (!read) {
    set_wire_error(r, read.error());
    return finish();
  }
  const stream_read_result& result = read.value();
  outcome.pending_end = result.pending_end;
  outcome.topic.assign(request.getTopic().cStr(), request.getTopic().size());
  outcome.partition_id = target.value().id;
  out.setLastVersion(result.last_version ? result.last_version->value() : -1);
  auto records = out.initRecords(static_cast<unsigned>(result.records.size()));
  std::copy(result.records.begin(), result.records.end(), reinterpret_cast<char*>(records.begin()));
  auto events = out.initEvents(static_cast<unsigned>(result.entries.size()));
  for (unsigned i = 0; i < result.entries.size(); ++i) {
    events[i].setVersion(result.entries[i].version.value());
    events[i].setOffset(result.entries[i].offset.value());
  }
  return finish();
}

}  // namespace cairn::broker
