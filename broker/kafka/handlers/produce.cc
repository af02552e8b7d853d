#include "broker/kafka/handlers/produce.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "broker/net/partition_waits.h"

namespace cairn::broker::kafka {
namespace {

constexpr std::int16_t kFirstServedVersion = 3;  // RecordBatch v2 (magic 2)

struct partition_in {
  std::int32_t index = 0;
  std::span<char> records;
};
struct topic_in {
  std::string name;
  std::vector<partition_in> partitions;
};

struct produce_request {
  std::optional<std::string> transactional_id;
  std::int16_t acks = -1;
  std::int32_t timeout_ms = 0;
  std::vector<topic_in> topics;
};

produce_request read_request(const request& r, reader& in) {
  produce_request p;
  if (r.version() >= 3) p.transactional_id = in.nullable_string();
  p.acks = in.int16();
  p.timeout_ms = in.int32();
  // Smallest topic: a 1-byte name length, a partition count; smallest partition: an index and a
  // records length.
  std::int32_t topics = in.array_length(2);
  p.topics.reserve(static_cast<std::size_t>(topics));
  for (std::int32_t t = 0; t < topics && in.ok(); ++t) {
    topic_in& topic = p.topics.emplace_back();
    topic.name = in.string();
    std::int32_t partitions = in.array_length(5);
    topic.partitions.reserve(static_cast<std::size_t>(partitions));
    for (std::int32_t i = 0; i < partitions && in.ok(); ++i) {
      partition_in& part = topic.partitions.emplace_back();
      part.index = in.int32();
      auto records = in.nullable_bytes();
      if (records) {
        // The broker stamps each batch's base offset in place, as the native path does: the
        // bytes live in the connection's copy of this frame, which no one else reads.
        part.records = std::span<char>(
            const_cast<char*>(reinterpret_cast<const char*>(records->data())), records->size());
      }
      in.tagged_fields();
    }
    in.tagged_fields();
  }
  in.tagged_fields();
  return p;
}

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
                     std::int64_t base_offset, std::int64_t log_start_offset) {
  w.int32(index);
  w.int16(value_of(error.code));
  w.int64(error.code == error_code::none ? base_offset : -1);
  if (r.version() >= 2) w.int64(-1);  // log_append_time_ms: CreateTime topics
  if (r.version() >= 5) w.int64(log_start_offset);
  if (r.version() >= 8) {
    w.array_length(0);  // record_errors
    if (error.code == error_code::none) {
      w.nullable_string(std::nullopt);
    } else {
      w.nullable_string(error.message);
    }
  }
  w.tagged_fields();
}

}  // namespace

boost::asio::awaitable<response> handle_produce(services& s, const request& r) {
  reader in = r.body_reader();
  produce_request p = read_request(r, in);
  if (!in.ok()) co_return close_for(r, in);

  std::optional<kafka_error> refused = refusal(r, p);
  produce_plan plan;
  if (!refused) {
    std::vector<produce_input> inputs;
    for (const topic_in& t : p.topics) {
      for (const partition_in& part : t.partitions)
        inputs.push_back({t.name, part.index, part.records});
    }
    plan = append_produce(s.core, inputs);
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
      const produce_entry& entry = plan.entries.at(next++);
      kafka_error error = to_kafka_error(entry.error);
      write_partition(w, r, part.index, error, entry.produced.base_offset, entry.log_start_offset);
    }
    w.tagged_fields();
  }
  if (r.version() >= 1) w.int32(0);  // throttle_time_ms
  w.tagged_fields();
  co_return finish(w);
}

}  // namespace cairn::broker::kafka
