// Fetch: reads below the high watermark. (ListOffsets: list_offsets.cc.)
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

}  // namespace cairn::broker
