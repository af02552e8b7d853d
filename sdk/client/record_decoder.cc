#include "sdk/client/record_decoder.h"

#include "eventstore/record/control_batch.h"
#include "eventstore/record/record_batch.h"
#include "eventstore/record/timestamp_type.h"
#include "protocol/wire_errc.h"

namespace cairn::sdk {

result<std::int64_t> decode_records(std::string_view topic, std::int32_t partition,
                                    std::string_view bytes, std::int64_t from_offset,
                                    std::size_t records_max, std::vector<consumer_record>& out,
                                    std::size_t* consumed_bytes) {
  std::int64_t next = from_offset;
  if (consumed_bytes != nullptr) *consumed_bytes = 0;
  // Bounded: each turn consumes one whole batch (size_bytes > 0) or stops.
  while (!bytes.empty() && out.size() < records_max) {
    auto size = eventstore::peek_batch_size(bytes);
    if (!size || *size > static_cast<std::int64_t>(bytes.size())) break;  // a cut tail
    auto batch = eventstore::record_batch_view::parse(bytes);
    if (!batch) return protocol::errc::corrupt_batch;
    const auto& b = batch.value();
    // A control batch (a Raft leader's no-op, a configuration; Kafka's transaction markers)
    // is the broker's, not the application's: skipped, as Kafka consumers do.
    const bool control = eventstore::is_control_batch(b.header());
    for (const auto& r : b) {
      if (control) break;
      std::int64_t offset = b.base_offset() + r.offset_delta;
      if (offset < next) continue;
      if (out.size() >= records_max) break;
      consumer_record rec;
      rec.topic = topic;
      rec.partition = partition;
      rec.offset = offset;
      rec.timestamp_ms = eventstore::record_timestamp(b, r);
      rec.log_append_time = eventstore::is_log_append_time(b.header());
      if (r.key) rec.key = std::string(*r.key);
      if (r.value) rec.value = std::string(*r.value);
      for (const auto& h : r.headers()) {
        record_header out_h{std::string(h.key), std::nullopt};
        if (h.value) out_h.value = std::string(*h.value);
        rec.headers.push_back(std::move(out_h));
      }
      out.push_back(std::move(rec));
      next = offset + 1;
    }
    // A batch whose records were all below the position (or compacted away) still moves the
    // position past it, or the consumer would fetch it forever.
    if (out.size() < records_max && b.next_offset() > next) next = b.next_offset();
    if (next < b.next_offset()) break;  // stopped inside this batch: the rest comes next time
    if (consumed_bytes != nullptr) *consumed_bytes += b.size_bytes();
    bytes.remove_prefix(b.size_bytes());
  }
  return next;
}

}  // namespace cairn::sdk
