// Rebuild: replay every partition from its beginning into a fresh generation, up to the end
// offsets captured when the rebuild started, then switch CURRENT to it.
#include "cairn/es/projection.h"
#include "sdk/es/projection_checkpoint.h"
#include "sdk/es/projection_generation.h"
#include "sdk/es/projection_progress.h"

namespace cairn::es {

namespace {

// The high watermark of each partition now: what "caught up" means for this rebuild.
result<std::map<topic_partition, std::int64_t>> end_offsets(
    consumer& c, const std::vector<topic_partition>& tps) {
  CAIRN_TRY(c.seek_to_end(tps));
  std::map<topic_partition, std::int64_t> out;
  for (const auto& tp : tps) {
    auto p = c.position(tp);
    if (!p) return sdk::errc::no_position;
    out[tp] = *p;
  }
  CAIRN_TRY(c.seek_to_beginning(tps));
  return out;
}

}  // namespace

result<rebuild_progress> projection::rebuild(client& cl, const rebuild_options& options) {
  auto old = current();
  auto name = projection_files::next_name(old->name);
  // A directory of that name can only be a crashed rebuild's: start it over.
  std::error_code ec;
  std::filesystem::remove_all(options_.dir / name, ec);
  CAIRN_TRY(auto fresh, open_generation(options_, name));

  consumer c(cl);
  c.assign(options_.partitions);
  CAIRN_TRY(auto ends, end_offsets(c, options_.partitions));
  std::int64_t total = 0;
  for (const auto& [tp, end] : ends)
    total += end;

  progress_meter meter(total, options.terminal_progress);
  std::int64_t applied = 0;
  std::int64_t idle_polls = 0;
  auto caught_up = [&] {
    for (const auto& [tp, end] : ends) {
      auto p = c.position(tp);
      if (!p || *p < end) return false;
    }
    return true;
  };
  while (!caught_up()) {
    CAIRN_TRY(auto records, c.poll(options_.poll_timeout_ms));
    if (records.empty()) {
      if (++idle_polls > options.idle_polls_max) return sdk::errc::timed_out;
      continue;
    }
    idle_polls = 0;
    CAIRN_TRY(auto n, apply_to(*fresh, records));
    applied += static_cast<std::int64_t>(n);
    const auto& p = meter.update(applied);
    if (options.on_progress) options.on_progress(p);
  }
  auto final_progress = meter.update(applied);

  // The switch: CURRENT first (durable), then the in-memory pointer. Reads that began on the
  // old generation finish there; the old directory goes when the last of them ends.
  CAIRN_TRY(projection_files::write_current(options_.dir, name));
  {
    std::lock_guard lock(mu_);
    current_->remove_on_close = true;
    current_ = std::move(fresh);
  }
  return final_progress;
}

}  // namespace cairn::es
