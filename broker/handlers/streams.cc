// AppendToStream and ReadStream: the stream's key picks its partition (Kafka's murmur2), whose
// stream index checks the expected version and finds the events.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>

#include "broker/errc.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"
#include "eventstore/record/batch_header.h"
#include "eventstore/record/record_batch.h"
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
result<stream_target> find_stream(handler_context& ctx, std::string_view name, std::string_view key,
                                  std::int32_t* id_out = nullptr) {
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
  return append_stream(ctx, std::string_view(request.getTopic().cStr(), request.getTopic().size()),
                       key, *expected, bytes_of(request.getRecords()));
}

stream_append_plan append_stream(handler_context& ctx, std::string_view topic, std::string_view key,
                                 eventstore::expected_version expected, std::string_view events,
                                 std::optional<std::int32_t> partition_asked) {
  stream_append_plan plan;
  plan.topic = std::string(topic);
  plan.key = std::string(key);
  if (partition_asked) plan.partition_id = *partition_asked;
  if (is_internal_topic(topic)) {
    // Only the broker writes its own topics, as for produce.
    plan.error = protocol::errc::invalid_request;
    plan.error_message = "topic " + plan.topic + " is internal: streams cannot be written there";
    return plan;
  }
  std::int32_t id = -1;
  auto target = find_stream(ctx, topic, key, &id);
  if (id >= 0 && partition_asked && *partition_asked != id) {
    plan.error = errc::invalid_stream_batch;
    plan.error_message = fmt::format(
        "stream {} lives in partition {} of {} (murmur2 of its key, as the SDK and ReadStream "
        "place it), not partition {}: produce it with the default (murmur2) partitioner",
        key, id, topic, *partition_asked);
    return plan;
  }
  plan.partition_id = id;
  if (!target) {
    plan.error = target.error();
    return plan;
  }
  auto appended = target.value().p->stream_append(key, expected, events);
  if (!appended) {
    plan.error = appended.error();
    return plan;
  }
  plan.appended = std::move(appended).value();
  if (!plan.appended.conflict) plan.target = std::move(target.value().p);
  return plan;
}

std::string describe_version_conflict(std::string_view key,
                                      const eventstore::version_conflict& conflict) {
  using kind = eventstore::expected_version::kind;
  std::int64_t actual = conflict.actual ? conflict.actual->value() : -1;
  std::string expected;
  switch (conflict.expected.what) {
    case kind::any:
      expected = "any";  // never conflicts; named for completeness
      break;
    case kind::no_stream:
      expected = "no-stream";
      break;
    case kind::exists:
      expected = "exists";
      break;
    case kind::exact:
      expected = std::to_string(conflict.expected.version.value());
      break;
  }
  return fmt::format("stream {} is at version {}{}, expected {}", key, actual,
                     conflict.actual ? "" : " (it does not exist)", expected);
}

std::optional<eventstore::expected_version> parse_expected_version(std::string_view text) {
  using eventstore::expected_version;
  if (text == "any") return expected_version::any;
  if (text == "no-stream") return expected_version::no_stream;
  if (text == "exists") return expected_version::exists;
  std::int64_t n = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return expected_version::exact(stream_version{n});
}

std::optional<stream_append_ask> find_stream_append_ask(std::span<const char> batch) {
  namespace es = eventstore;
  namespace L = es::batch_layout;
  std::string_view bytes(batch.data(), batch.size());
  // Plain produce is the hot path: an uncompressed batch that nowhere holds the header's name
  // cannot carry it, and that search costs far less than the CRC the append computes anyway.
  if (bytes.size() > L::kAttributes + 1) {
    auto attributes =
        static_cast<std::int16_t>((static_cast<unsigned char>(bytes[L::kAttributes]) << 8) |
                                  static_cast<unsigned char>(bytes[L::kAttributes + 1]));
    bool compressed = (attributes & L::kCompressionMask) != 0;
    if (!compressed && std::search(bytes.begin(), bytes.end(),
                                   std::boyer_moore_horspool_searcher(
                                       kExpectedVersionHeader.begin(),
                                       kExpectedVersionHeader.end())) == bytes.end()) {
      return std::nullopt;
    }
  }
  auto view = es::record_batch_view::parse(bytes);
  if (!view) return std::nullopt;
  stream_append_ask ask;
  std::int32_t with_header = 0;
  std::int32_t index = 0;
  std::optional<std::string_view> first_version_text;
  for (const es::record_view& r : view.value()) {
    auto text = r.header(kExpectedVersionHeader);
    if (text) {
      ++with_header;
      if (!first_version_text) {
        first_version_text = text;
        auto expected = parse_expected_version(*text);
        if (!expected) {
          ask.refusal = fmt::format("{} \"{}\" is not any, no-stream, exists or a version >= 0",
                                    kExpectedVersionHeader, text->substr(0, 64));
        } else {
          ask.expected = *expected;
        }
      } else if (*text != *first_version_text && ask.refusal.empty()) {
        ask.refusal = fmt::format(
            "record {} of the batch has {} {}, record 0 has {}: a stream "
            "append has one expected version",
            index, kExpectedVersionHeader, text->substr(0, 64), first_version_text->substr(0, 64));
      }
    }
    if (index == 0) {
      if (!r.key || r.key->empty()) {
        ask.refusal = "a stream append needs the stream's id as every record's key";
      } else {
        ask.key = std::string(*r.key);
      }
    } else if ((!r.key || *r.key != ask.key) && ask.refusal.empty()) {
      ask.refusal = fmt::format(
          "record {} of the batch has another key than record 0: a stream append writes one "
          "stream (one key)",
          index);
    }
    ++index;
  }
  if (with_header == 0) return std::nullopt;
  if (with_header != index && ask.refusal.empty()) {
    ask.refusal = fmt::format("{} of the batch's {} records carry {}: all or none must",
                              with_header, index, kExpectedVersionHeader);
  }
  // The broker re-encodes a stream append without the producer's id and sequence, so an
  // idempotent producer's next batch would find a gap in its sequences. Its expected version
  // already makes a retry safe: such appends come from a producer without idempotence.
  if (view.value().header().producer_id >= 0 && ask.refusal.empty()) {
    ask.refusal = fmt::format(
        "a stream append ({}) cannot come from an idempotent or transactional producer: the "
        "expected version makes its retry safe; send it with enable.idempotence=false",
        kExpectedVersionHeader);
  }
  return ask;
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
    r.setErrorMessage(describe_version_conflict(plan.key, *result.conflict));
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
  auto target =
      find_stream(ctx, std::string_view(request.getTopic().cStr(), request.getTopic().size()), key);
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
