#include "eventstore/log/compaction.h"

#include <vector>

#include "eventstore/log/batch_scanner.h"
#include "eventstore/record/control_batch.h"
#include "eventstore/record/timestamp_type.h"

namespace cairn::eventstore {

result<key_offsets> build_key_offsets(const std::vector<std::shared_ptr<segment>>& segments,
                                      std::int32_t batch_bytes_max) {
  key_offsets latest;
  for (const auto& seg : segments) {
    batch_scanner scanner(*seg->log_file(), 0, seg->size_bytes(), batch_bytes_max);
    while (true) {
      CAIRN_TRY(auto batch, scanner.next());
      if (!batch) break;
      if (is_control_batch(batch->header())) continue;
      for (const record_view& r : *batch) {
        if (!r.key) continue;
        latest.insert_or_assign(std::string(*r.key), batch->base_offset() + r.offset_delta);
      }
    }
  }
  return latest;
}

result<std::unique_ptr<segment>> clean_segment(const std::string& dir, const segment& seg,
                                               const key_offsets& latest,
                                               const compaction_options& options,
                                               const segment_options& segment_opts,
                                               std::int64_t now_ms, compaction_result& stats) {
  CAIRN_TRY(auto cleaned, segment::create(dir, seg.base_offset(), segment_opts, ".cleaned"));
  batch_scanner scanner(*seg.log_file(), 0, seg.size_bytes(), segment_opts.batch_bytes_max);
  bool changed = false;
  std::int64_t removed = 0;
  std::int64_t tombstones = 0;
  std::vector<const record_view*> kept;
  std::vector<record_view> records;
  std::vector<header_view> headers;
  while (true) {
    CAIRN_TRY(auto batch, scanner.next());
    if (!batch) break;
    if (is_control_batch(batch->header())) {
      CAIRN_TRY(cleaned->append(*batch));
      continue;
    }
    records.assign(batch->begin(), batch->end());
    kept.clear();
    for (const record_view& r : records) {
      std::int64_t offset = batch->base_offset() + r.offset_delta;
      if (r.key) {
        auto it = latest.find(std::string(*r.key));
        if (it != latest.end() && it->second != offset) {
          ++removed;
          continue;
        }
        std::int64_t timestamp = record_timestamp(*batch, r);
        if (!r.value && timestamp + options.delete_retention_ms < now_ms) {
          ++removed;
          ++tombstones;
          continue;
        }
      }
      kept.push_back(&r);
    }
    if (kept.size() == records.size()) {
      CAIRN_TRY(cleaned->append(*batch));
      continue;
    }
    changed = true;
    if (kept.empty() && !options.keep_batch_boundaries) continue;
    // The kept records go into a new batch with the same header fields and the same codec (a
    // compressed batch is decompressed by the scan and compressed again here, as Kafka's cleaner
    // does; the builder stores it uncompressed only if compressing no longer shrinks it).
    const batch_header& h = batch->header();
    record_batch_builder builder(
        {.base_offset = h.base_offset,
         .partition_leader_epoch = h.partition_leader_epoch,
         .attributes = static_cast<std::int16_t>(h.attributes & ~batch_layout::kCompressionMask),
         .compression = batch->compression(),
         .producer_id = h.producer_id,
         .producer_epoch = h.producer_epoch,
         .base_sequence = h.base_sequence,
         .base_timestamp = h.base_timestamp,
         .max_timestamp = is_log_append_time(h) ? std::optional(h.max_timestamp) : std::nullopt});
    for (const record_view* r : kept) {
      headers.assign(r->headers().begin(), r->headers().end());
      builder.add({.key = r->key,
                   .value = r->value,
                   .headers = headers,
                   .timestamp_ms = h.base_timestamp + r->timestamp_delta},
                  r->offset_delta);
    }
    builder.set_last_offset_delta(h.last_offset_delta);
    std::string bytes = builder.finish();
    CAIRN_TRY(auto rebuilt, record_batch_view::parse(bytes, segment_opts.batch_bytes_max));
    CAIRN_TRY(cleaned->append(rebuilt));
  }
  if (!changed) {
    // Only the .cleaned file goes: the original segment's paths must not be touched.
    CAIRN_TRY(remove_file_if_exists(cleaned->path()));
    return std::unique_ptr<segment>{};
  }
  stats.records_removed += removed;
  stats.tombstones_removed += tombstones;
  stats.bytes_before += seg.size_bytes();
  stats.bytes_after += cleaned->size_bytes();
  ++stats.segments_rewritten;
  return cleaned;
}

}  // namespace cairn::eventstore
