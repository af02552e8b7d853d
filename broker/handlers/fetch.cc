// Fetch: reads below the high watermark, through the steps both front ends share
// (fetch_read.h). (ListOffsets: list_offsets.cc.)
#include "broker/handlers/fetch_read.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"

namespace cairn::broker {

fetch_outcome handle_fetch(handler_context& ctx, std::uint64_t correlation_id,
                           wire::FetchRequest::Reader request) {
  fetch_outcome outcome;
  std::int64_t budget = fetch_budget(request.getMaxBytes());
  protocol::frame_writer w;
  auto topics = w.init_response(correlation_id).initFetch().initTopics(request.getTopics().size());
  for_each_partition(ctx, request.getTopics(), topics, [&](partition* p, auto part, auto out) {
    out.setHighWatermark(-1);
    out.setLogStartOffset(-1);
    if (p == nullptr) {
      outcome.any_error = true;
      return;
    }
    partition_fetch planned =
        plan_partition_fetch(*p, part.getFetchOffset(), part.getPartitionMaxBytes(), budget);
    if (planned.error) {
      set_wire_error(out, planned.error);
      outcome.any_error = true;
      return;
    }
    out.setHighWatermark(planned.high_watermark);
    out.setLogStartOffset(planned.log_start_offset);
    if (planned.range.size == 0) return;
    // Read straight into the response: one copy, from the page cache into the frame.
    auto data = out.initRecords(static_cast<unsigned>(planned.range.size));
    if (auto failed =
            read_planned(planned, std::as_writable_bytes(std::span(data.begin(), data.size())))) {
      out.initRecords(0);
      set_wire_error(out, failed);
      outcome.any_error = true;
      return;
    }
    budget -= planned.range.size;
    outcome.bytes += planned.range.size;
  });
  outcome.response = finish_response(w, correlation_id, ctx.frame_bytes_max);
  return outcome;
}

}  // namespace cairn::broker
