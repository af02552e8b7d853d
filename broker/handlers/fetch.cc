// Fetch and ListOffsets: reads below the high watermark.
#include <algorithm>

#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"
#include "eventstore/record/record_batch.h"

namespace cairn::broker {
namespace {

// Responses never grow past this whatever the client asks: it bounds the memory of one fetch.
constexpr std::int64_t kFetchBytesMax = 32 << 20;

}  // namespace

fetch_outcome handle_fetch(handler_context& ctx, std::uint64_t correlation_id,
                           wire::FetchRequest::Reader request) {
  fetch_outcome outcome;
  std::int64_t budget = std::clamp<std::int64_t>(
      request.getMaxBytes() <= 0 ? kFetchBytesMax : request.getMaxBytes(), 1, kFetchBytesMax);
  protocol::frame_writer w;
  auto topics = w.init_response(correlation_id).initFetch().initTopics(request.getTopics().size());
  for_each_partition(ctx, request.getTopics(), topics, [&](partition* p, auto part, auto out) {
    out.setHighWatermark(-1);
    out.setLogStartOffset(-1);
    if (p == nullptr) {
      outcome.any_error = true;
      return;
    }
    std::int64_t partition_max = part.getPartitionMaxBytes() <= 0
                                     ? budget
                                     : std::min<std::int64_t>(part.getPartitionMaxBytes(), budget);
    auto fetched = p->fetch(part.getFetchOffset(), std::max<std::int64_t>(partition_max, 1));
    if (!fetched) {
      set_wire_error(out, fetched.error());
      outcome.any_error = true;
      return;
    }
    out.setHighWatermark(fetched.value().high_watermark);
    out.setLogStartOffset(fetched.value().log_start_offset);
    const eventstore::file_range& range = fetched.value().range;
    // Once the budget is spent, later partitions answer with no records (Kafka's rule that the
    // first batch always fits applies to the first partition with data only).
    if (range.size == 0 || budget <= 0) return;
    // Read straight into the response: one copy, from the page cache into the frame.
    auto data = out.initRecords(static_cast<unsigned>(range.size));
    auto n = range.source->pread(range.position, reinterpret_cast<char*>(data.begin()),
                                 static_cast<std::size_t>(range.size));
    if (!n || n.value() != static_cast<std::size_t>(range.size)) {
      out.initRecords(0);
      set_wire_error(out, n ? std::make_error_code(std::errc::io_error) : n.error());
      outcome.any_error = true;
      return;
    }
    budget -= range.size;
    outcome.bytes += range.size;
  });
  outcome.response = finish_response(w, correlation_id, ctx.frame_bytes_max);
  return outcome;
}

namespace {

// The timestamp of the record at `offset`, as Kafka answers ListOffsets; -1 if it cannot be read.
std::int64_t timestamp_at(partition& p, std::int64_t offset) {
  auto chunk = p.log().read(offset, 1);
  if (!chunk || chunk.value().range.size == 0) return -1;
  auto bytes = chunk.value().range.read();
  if (!bytes) return -1;
  auto batch = eventstore::record_batch_view::parse(bytes.value());
  if (!batch) return -1;
  for (const auto& r : batch.value()) {
    if (batch.value().base_offset() + r.offset_delta == offset) {
      return batch.value().header().base_timestamp + r.timestamp_delta;
    }
  }
  return -1;
}

}  // namespace

protocol::frame handle_list_offsets(handler_context& ctx, std::uint64_t correlation_id,
                                    wire::ListOffsetsRequest::Reader request) {
  protocol::frame_writer w;
  auto topics =
      w.init_response(correlation_id).initListOffsets().initTopics(request.getTopics().size());
  for_each_partition(ctx, request.getTopics(), topics, [&](partition* p, auto part, auto out) {
    out.setTimestamp(-1);
    out.setOffset(-1);
    if (p == nullptr) return;
    std::int64_t ts = part.getTimestamp();
    if (ts == wire::EARLIEST_TIMESTAMP) {
      out.setOffset(p->log_start_offset());
    } else if (ts == wire::LATEST_TIMESTAMP) {
      out.setOffset(p->high_watermark());
    } else if (ts < 0) {
      set_wire_error(out, protocol::make_error_code(protocol::errc::invalid_request));
    } else if (auto found = p->offset_for_timestamp(ts); !found) {
      set_wire_error(out, found.error());
    } else if (found.value() && *found.value() < p->high_watermark()) {
      out.setOffset(*found.value());
      out.setTimestamp(timestamp_at(*p, *found.value()));
    }
  });
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
