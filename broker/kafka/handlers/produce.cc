#include "broker/kafka/handlers/produce.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "broker/errc.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka/requests/produce.h"
#include "broker/net/partition_waits.h"

namespace cairn::broker::kafka {
namespace {

constexpr std::int16_t kFirstServedVersion = 3;  // RecordBatch v2 (magic 2)

using partition_in = produce_request::partition;
using topic_in = produce_request::topic;

// Why a whole request is refused before anything is appended, or none.
std::optional<kafka_error> refusal(const request& r, const produce_request& p) {
  if (r.version() < kFirstServedVersion) {
    return kafka_error{error_code::unsupported_version,
                       "Produce v" + std::to_string(r.version()) +
                           " carries message formats v0/v1; this broker stores RecordBatch v2 "
                           "only (Produce v3 and later)"};
  }
  if (p.transactional_id) {
    return kafka_error{error_code::invalid_request,
                       "transactions are not served by this broker yet"};
  }
  if (p.acks != 0 && p.acks != 1 && p.acks != -1) {
    return kafka_error{error_code::invalid_required_acks, "acks must be 0, 1 or -1 (all)"};
  }
  return std::nullopt;
}

void write_partition(writer& w, const request& r, std::int32_t index, const kafka_error& error,
                     std::int64_t base_offset, std::int64_t log_start_offset,
                     bool batch_refused = false, std::int64_t log_append_time_ms = -1) {
  w.int32(index);
  w.int16(value_of(error.code));
  w.int64(error.code == error_code::none ? base_offset : -1);
  // The leader's stamp on a LogAppendTime topic; -1 under CreateTime.
  if (r.version() >= 2) w.int64(error.code == error_code::none ? log_append_time_ms : -1);
  if (r.version() >= 5) w.int64(log_start_offset);
  if (r.version() >= 8) {
    // record_errors: a stream append is refused as a whole, which Kafka's clients read best as
    // the batch's first record failing (batch_index 0) with the reason.
    w.array_length(batch_refused ? 1 : 0);
    if (batch_refused) {
      w.int32(0);
      w.nullable_string(error.message);
      w.tagged_fields();
    }
    if (error.code == error_code::none) {
      w.nullable_string(std::nullopt);
    } else {
      w.nullable_string(error.message);
    }
  }
  w.tagged_fields();
}

// The expected-version append (docs/kafka.md "Beyond Kafka"): a batch whose records carry
// cairn-expected-version goes through the same stream append as the native AppendToStream, and
// its outcome is put in `entry` as a produce's, so the one commit wait below serves both.
// Returns the Kafka error to answer instead of the entry's own, if any.
std::optional<kafka_error> append_stream_batch(services& s, const stream_append_ask& ask,
                                               std::string_view topic, const partition_in& part,
                                               produce_entry& entry) {
  if (!ask.refusal.empty()) return kafka_error{error_code::invalid_record, ask.refusal};
  stream_append_plan plan =
      append_stream(s.core, topic, ask.key, ask.expected,
                    std::string_view(part.records.data(), part.records.size()), part.index);
  if (plan.error) {
    entry.error = plan.error;
    // A batch that is no valid stream append (wrong partition, another key) is INVALID_RECORD,
    // as Kafka answers records its broker-side checks refuse.
    bool batch_refused = plan.error == make_error_code(cairn::broker::errc::invalid_stream_batch);
    if (batch_refused || !plan.error_message.empty()) {
      kafka_error error = to_kafka_error(plan.error);
      if (batch_refused) error.code = error_code::invalid_record;
      if (!plan.error_message.empty()) error.message = plan.error_message;
      return error;
    }
    return std::nullopt;
  }
  if (plan.appended.conflict) {
    return kafka_error{error_code::invalid_record,
                       describe_version_conflict(ask.key, *plan.appended.conflict)};
  }
  entry.log_start_offset = plan.target->log_start_offset();
  entry.produced.base_offset = plan.appended.base_offset;
  entry.produced.last_offset = plan.appended.end_offset() - 1;
  entry.produced.log_append_time_ms = plan.appended.log_append_time_ms;
  entry.target = std::move(plan.target);
  return std::nullopt;
}

}  // namespace

boost::asio::awaitable<response> handle_produce(services& s, const request& r) {
  decoded<produce_request> decoded = decode_produce(r);
  if (!decoded.ok()) co_return close_for(r, decoded.failure);
  const produce_request& p = decoded.request;

  std::optional<kafka_error> refused = refusal(r, p);
  produce_plan plan;
  // Per entry: the error answered instead of the entry's own (stream appends refused).
  std::vector<std::optional<kafka_error>> stream_errors;
  if (!refused) {
    std::vector<produce_input> inputs;
    std::vector<std::size_t> input_entry;  // where each plain batch's entry goes in `plan`
    for (const topic_in& t : p.topics) {
      for (const partition_in& part : t.partitions) {
        std::size_t at = plan.entries.size();
        produce_entry& entry = plan.entries.emplace_back();
        stream_errors.emplace_back();
        entry.topic = t.name;
        entry.partition_id = part.index;
        if (auto ask = find_stream_append_ask(part.records)) {
          stream_errors.back() = append_stream_batch(s, *ask, t.name, part, entry);
          continue;
        }
        inputs.push_back({t.name, part.index, part.records});
        input_entry.push_back(at);
      }
    }
    produce_plan produced = append_produce(s.core, inputs);
    for (std::size_t i = 0; i < produced.entries.size(); ++i)
      plan.entries[input_entry[i]] = std::move(produced.entries[i]);
    auto timeout = p.timeout_ms > 0 ? std::chrono::milliseconds(p.timeout_ms)
                                    : std::chrono::milliseconds(kProduceTimeoutDefault);
    co_await s.waits.await_produce(plan, /*leader_only=*/p.acks != -1, timeout);
  }
  if (p.acks == 0 && !refused) co_return response{.none = true};

  writer w = begin_response(r);
  w.array_length(p.topics.size());
  std::size_t next = 0;
  for (const topic_in& t : p.topics) {
    w.string(t.name);
    w.array_length(t.partitions.size());
    for (const partition_in& part : t.partitions) {
      if (refused) {
        write_partition(w, r, part.index, *refused, -1, -1);
        continue;
      }
      std::size_t at = next++;
      const produce_entry& entry = plan.entries.at(at);
      const std::optional<kafka_error>& stream_error = stream_errors.at(at);
      if (stream_error) {
        write_partition(w, r, part.index, *stream_error, -1, entry.log_start_offset,
                        stream_error->code == error_code::invalid_record);
        continue;
      }
      kafka_error error = to_kafka_error(entry.error);
      write_partition(w, r, part.index, error, entry.produced.base_offset, entry.log_start_offset,
                      false, entry.produced.log_append_time_ms);
    }
    w.tagged_fields();
  }
  if (r.version() >= 1) w.int32(0);  // throttle_time_ms
  w.tagged_fields();
  co_return finish(w);
}

}  // namespace cairn::broker::kafka
