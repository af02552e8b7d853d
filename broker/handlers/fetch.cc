// Fetch and ListOffsets: reads below the high watermark.
#include <algorithm>

#include "broker/handlers/handlers.h"
#include "broker/handlers/wire_errors.h"
#include "eventstore/record/record_batch.h"

namespace cairn::broker {
namespace {

// Responses never grow past this whatever the client asks: it bounds the memory of one fetch.
constexpr std::int64_t kFetchBytesMax = 32 << 20;

void set_error(auto out, const std::error_code& ec) {
  auto e = to_wire_error(ec);
  out.setErrorCode(protocol::to_wire(e.code));
  out.setErrorMessage(e.message);
}

}  // namespace

fetch_outcome handle_fetch(handler_context& ctx, std::uint64_t correlation_id,
                           wire::FetchRequest::Reader request) {
  fetch_outcome outcome;
  std::int64_t budget = std::clamp<std::int64_t>(
      request.getMaxBytes() <= 0 ? kFetchBytesMax : request.getMaxBytes(), 1, kFetchBytesMax);
  protocol::frame_writer w;
  auto topics = w.init_response(correlation_id).initFetch().initTopics(request.getTopics().size());
  unsigned t = 0;
  for (auto topic : request.getTopics()) {
    auto topic_out = topics[t++];
    topic_out.setName(topic.getName());
    auto parts = topic_out.initPartitions(topic.getPartitions().size());
    std::string_view name(topic.getName().cStr(), topic.getName().size());
    unsigned i = 0;
    for (auto part : topic.getPartitions()) {
      auto out = parts[i++];
      out.setPartition(part.getPartition());
      out.setHighWatermark(-1);
      out.setLogStartOffset(-1);
      auto target = ctx.topics.get(name, part.getPartition());
      if (!target) {
        set_error(out, target.error());
        outcome.any_error = true;
        continue;
      }
      std::int64_t partition_max =
          part.getPartitionMaxBytes() <= 0
              ? budget
              : std::min<std::int64_t>(part.getPartitionMaxBytes(), budget);
      // Once the budget is spent, later partitions answer with no records (Kafka's rule that
      // the first batch always fits applies to the first partition with data only).
      if (budget <= 0) partition_max = 0;
      auto fetched =
          target.value()->fetch(part.getFetchOffset(), std::max<std::int64_t>(partition_max, 1));
      if (!fetched) {
        set_error(out, fetched.error());
        outcome.any_error = true;
        continue;
      }
      out.setHighWatermark(fetched.value().high_watermark);
      out.setLogStartOffset(fetched.value().log_start_offset);
      const eventstore::file_range& range = fetched.value().range;
      if (range.size == 0 || budget <= 0) continue;
      // Read straight into the response: one copy, from the page cache into the frame.
      auto data = out.initRecords(static_cast<unsigned>(range.size));
      auto n = range.source->pread(range.position, reinterpret_cast<char*>(data.begin()),
                                   static_cast<std::size_t>(range.size));
      if (!n || n.value() != static_cast<std::size_t>(range.size)) {
        out.initRecords(0);
        set_error(out, n ? std::make_error_code(std::errc::io_error) : n.error());
        outcome.any_error = true;
        continue;
      }
      budget -= range.size;
      outcome.bytes += range.size;
    }
  }
  outcome.response = finish_response(w, correlation_id, ctx.frame_bytes_max);
  return outcome;
}

protocol::frame handle_list_offsets(handler_context& ctx, std::uint64_t correlation_id,
                                    wire::ListOffsetsRequest::Reader request) {
  protocol::frame_writer w;
  auto topics =
      w.init_response(correlation_id).initListOffsets().initTopics(request.getTopics().size());
  unsigned t = 0;
  for (auto topic : request.getTopics()) {
    auto topic_out = topics[t++];
    topic_out.setName(topic.getName());
    auto parts = topic_out.initPartitions(topic.getPartitions().size());
    std::string_view name(topic.getName().cStr(), topic.getName().size());
    unsigned i = 0;
    for (auto part : topic.getPartitions()) {
      auto out = parts[i++];
      out.setPartition(part.getPartition());
      out.setTimestamp(-1);
      out.setOffset(-1);
      auto target = ctx.topics.get(name, part.getPartition());
      if (!target) {
        set_error(out, target.error());
        continue;
      }
      partition& p = *target.value();
      std::int64_t ts = part.getTimestamp();
      if (ts == wire::EARLIEST_TIMESTAMP) {
        out.setOffset(p.log_start_offset());
      } else if (ts == wire::LATEST_TIMESTAMP) {
        out.setOffset(p.high_watermark());
      } else if (ts < 0) {
        set_error(out, protocol::make_error_code(protocol::errc::invalid_request));
      } else {
        auto found = p.offset_for_timestamp(ts);
        if (!found) {
          set_error(out, found.error());
        } else if (found.value() && *found.value() < p.high_watermark()) {
          out.setOffset(*found.value());
          // The record's own timestamp, as Kafka answers.
          auto chunk = p.log().read(*found.value(), 1);
          if (chunk && chunk.value().range.size > 0) {
            if (auto bytes = chunk.value().range.read()) {
              if (auto batch = eventstore::record_batch_view::parse(bytes.value())) {
                for (const auto& r : batch.value()) {
                  if (batch.value().base_offset() + r.offset_delta == *found.value()) {
                    out.setTimestamp(batch.value().header().base_timestamp + r.timestamp_delta);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
