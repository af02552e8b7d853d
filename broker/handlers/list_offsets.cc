// ListOffsets, protocol-neutral (lookup_offset), and the native protocol's handler over it.
#include "broker/handlers/list_offsets.h"

#include <functional>

#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"
#include "cairn/protocol/errc.h"
#include "eventstore/record/record_batch.h"
#include "eventstore/record/timestamp_type.h"

namespace cairn::broker {
namespace {

namespace es = eventstore;

// Visits the committed batches from the one holding `from`, in order, until `visit` returns
// true or the high watermark is reached. Bounded: every step moves past one batch.
result<void> walk_batches(partition& p, std::int64_t from,
                          const std::function<bool(const es::record_batch_view&)>& visit) {
  const std::int64_t hw = p.high_watermark();
  std::int64_t offset = from;
  while (offset < hw) {
    CAIRN_TRY(auto chunk, p.log().read(offset, 1, hw));  // one whole batch at least
    if (chunk.range.size == 0 || chunk.next_offset <= offset) break;
    CAIRN_TRY(auto bytes, chunk.range.read());
    CAIRN_TRY(auto batch, es::record_batch_view::parse(bytes));
    if (visit(batch)) break;
    offset = chunk.next_offset;
  }
  return success();
}

// The first record at or after `from` (below the high watermark) with a timestamp >= `ts`.
result<offset_lookup> first_at_or_after(partition& p, std::int64_t from, std::int64_t ts) {
  offset_lookup out;
  CAIRN_TRY(walk_batches(p, from, [&](const es::record_batch_view& batch) {
    if (batch.header().max_timestamp < ts) return false;
    for (const es::record_view& r : batch) {
      std::int64_t offset = batch.base_offset() + r.offset_delta;
      if (offset < from || es::record_timestamp(batch, r) < ts) continue;
      out.offset = offset;
      out.timestamp = es::record_timestamp(batch, r);
      return true;
    }
    return false;
  }));
  return out;
}

// KIP-734: the first record carrying the largest timestamp of the committed log.
result<offset_lookup> max_timestamp_record(partition& p) {
  const std::int64_t hw = p.high_watermark();
  const std::int64_t start = p.log_start_offset();
  std::int64_t best_ts = -1;
  std::int64_t best_batch = -1;
  CAIRN_TRY(p.log().scan_headers(start, [&](const es::batch_header& h) -> result<void> {
    bool control = (h.attributes & es::batch_layout::kControl) != 0;
    if (!control && h.last_offset() < hw && h.max_timestamp > best_ts) {
      best_ts = h.max_timestamp;
      best_batch = h.base_offset;
    }
    return success();
  }));
  if (best_batch < 0) return offset_lookup{};
  return first_at_or_after(p, std::max(best_batch, start), best_ts);
}

}  // namespace

offset_lookup lookup_offset(partition& p, std::int64_t timestamp) {
  offset_lookup out;
  if (timestamp == kEarliestTimestamp) {
    out.offset = p.log_start_offset();
    return out;
  }
  if (timestamp == kLatestTimestamp) {
    out.offset = p.high_watermark();
    return out;
  }
  result<offset_lookup> found = offset_lookup{};
  if (timestamp == kMaxTimestamp) {
    found = max_timestamp_record(p);
  } else if (timestamp < 0) {
    out.error = protocol::make_error_code(protocol::errc::invalid_request);
    return out;
  } else {
    // The time index finds the segment and position; the walk from there checks each record
    // (and stays at or after a log start that DeleteRecords moved inside a segment).
    auto hint = p.offset_for_timestamp(timestamp);
    if (!hint) {
      out.error = hint.error();
      return out;
    }
    if (!hint.value()) return out;
    found = first_at_or_after(p, std::max(*hint.value(), p.log_start_offset()), timestamp);
  }
  if (!found) {
    out.error = found.error();
    return out;
  }
  return found.value();
}

protocol::frame handle_list_offsets(handler_context& ctx, std::uint64_t correlation_id,
                                    wire::ListOffsetsRequest::Reader request) {
  protocol::frame_writer w;
  auto topics =
      w.init_response(correlation_id).initListOffsets().initTopics(request.getTopics().size());
  for_each_partition(ctx, request.getTopics(), topics, [&](partition* p, auto part, auto out) {
    out.setTimestamp(-1);
    out.setOffset(-1);
    if (p == nullptr) return;
    offset_lookup found = lookup_offset(*p, part.getTimestamp());
    if (found.error) {
      set_wire_error(out, found.error);
      return;
    }
    out.setOffset(found.offset);
    out.setTimestamp(found.timestamp);
  });
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
