#include "eventstore/log/partition_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "eventstore/log/batch_scanner.h"
#include "eventstore/record/timestamp_type.h"

namespace cairn::eventstore {
namespace fs = std::filesystem;

namespace {

std::int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a reader needs of a segment, taken under the lock so the segment may change afterwards.
struct segment_cut {
  std::shared_ptr<const file> source;
  std::int64_t start_position;
  std::int64_t size_bytes;
};

// Reads the headers of batches in an already validated segment region through one buffer. The
// walk from an index entry to an offset crosses up to index_interval_bytes of batches; with a
// pread per header, that walk made every read (and a stream read, one walk per event)
// syscall-bound: ~30 preads of 61 bytes where one read of a few KiB does.
class header_reader {
 public:
  header_reader(const file& f, std::int64_t end) : file_(f), end_(end) {}

  result<batch_header> at(std::int64_t position) {
    constexpr auto kHeader = static_cast<std::int64_t>(batch_layout::kHeaderSize);
    if (end_ - position < kHeader) return errc::batch_too_short;
    if (position < start_ || position + kHeader > start_ + filled_) {
      CAIRN_TRY(fill(position));
      if (filled_ < kHeader) return errc::batch_too_short;
    }
    batch_header h = batch_header::read(buffer_.data() + (position - start_));
    if (h.batch_length < static_cast<std::int32_t>(kHeader - batch_layout::kLogOverhead) ||
        position + h.size_bytes() > end_) {
      return errc::batch_length_invalid;
    }
    return h;
  }

 private:
  static constexpr std::int64_t kChunkBytes = 8 << 10;  // two index intervals

  result<void> fill(std::int64_t position) {
    std::int64_t want = std::min(kChunkBytes, end_ - position);
    buffer_.resize(static_cast<std::size_t>(want));
    CAIRN_TRY(auto n, file_.pread(position, buffer_.data(), buffer_.size()));
    start_ = position;
    filled_ = static_cast<std::int64_t>(n);
    return success();
  }

  const file& file_;
  std::int64_t end_;
  std::string buffer_;
  std::int64_t start_ = 0;
  std::int64_t filled_ = 0;
};

// Where each segment holding offsets >= from_offset starts to be read. REQUIRES: mu_ held.
std::vector<segment_cut> cuts_from(const std::vector<std::shared_ptr<segment>>& segments,
                                   std::int64_t from_offset) {
  std::vector<segment_cut> cuts;
  for (const auto& s : segments) {
    if (s->next_offset() <= from_offset) continue;
    std::int64_t start =
        from_offset > s->base_offset() ? s->index().lookup(from_offset).position : 0;
    cuts.push_back({s->log_file(), start, s->size_bytes()});
  }
  return cuts;
}

// Visits the validated batches of each cut in order until `visit` returns true (stop) or fails.
result<void> scan_cuts(const std::vector<segment_cut>& cuts, std::int32_t batch_bytes_max,
                       const std::function<result<bool>(const record_batch_view&)>& visit) {
  for (const segment_cut& cut : cuts) {
    batch_scanner scanner(*cut.source, cut.start_position, cut.size_bytes, batch_bytes_max);
    while (true) {
      CAIRN_TRY(auto batch, scanner.next());
      if (!batch) break;
      CAIRN_TRY(bool stop, visit(*batch));
      if (stop) return success();
    }
  }
  return success();
}

// Where advance_start() records a log start inside the first segment.
std::string start_file_path(const std::string& dir) {
  return dir + "/log-start-offset";
}

// The recorded start, 0 without the file. A file this log could not have written is an error
// (the start decides what readers may see: it is not guessed).
result<std::int64_t> read_start_file(const std::string& dir) {
  const std::string path = start_file_path(dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (ec) return ec;
    return std::int64_t{0};
  }
  CAIRN_TRY(auto f, file::open(path, file::mode::read_only));
  char text[64] = {};
  CAIRN_TRY(auto n, f.pread(0, text, sizeof text - 1));
  long long version = 0;
  long long start = 0;
  char newline = 0;
  if (std::sscanf(text, "%lld %lld%c", &version, &start, &newline) != 3 || version != 1 ||
      start < 0 || newline != '\n' || std::strlen(text) != n) {
    spdlog::error("{}: not a log start file", path);
    return errc::invalid_argument;
  }
  return static_cast<std::int64_t>(start);
}

}  // namespace

result<std::string> file_range::read() const {
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (size == 0) return bytes;
  CAIRN_TRY(auto n, source->pread(position, bytes.data(), bytes.size()));
  if (n != bytes.size()) return errc::batch_too_short;
  return bytes;
}

partition_log::partition_log(std::string dir, log_options options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

partition_log::~partition_log() {
  std::lock_guard lock(mu_);
  (void)wait_for_seal_locked();
}

result<std::unique_ptr<partition_log>> partition_log::open(const std::string& dir,
                                                           log_options options,
                                                           recovery_report* report_out) {
  if (!options.clock_ms) options.clock_ms = system_clock_ms;
  if (options.segment_bytes_max <= 0 || options.segment_bytes_max > 0xFFFFFFFFLL ||
      options.segment.index_interval_bytes <= 0 || options.segment.batch_bytes_max <= 0) {
    return errc::invalid_argument;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return ec;

  // Two owners of one directory would both append at the same offsets: refuse the second.
  CAIRN_TRY(auto lock_file, file::open(dir + "/.lock", file::mode::read_write_create));
  CAIRN_TRY(bool locked, lock_file.try_lock_exclusive());
  if (!locked) return errc::log_locked;

  recovery_report report;
  std::vector<std::int64_t> bases;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (auto base = segment::parse_base_offset(name)) {
      bases.push_back(*base);
    } else if (name.ends_with(".cleaned") || name.ends_with(".tmp")) {
      // An interrupted compaction or index write: the original files are still in place.
      CAIRN_TRY(remove_file_if_exists(entry.path().string()));
      ++report.stray_files_removed;
    }
  }
  if (ec) return ec;
  std::sort(bases.begin(), bases.end());

  std::unique_ptr<partition_log> log(new partition_log(dir, std::move(options)));
  log->lock_file_ = std::move(lock_file);
  const segment_options& seg_opts = log->options_.segment;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    std::int64_t base = bases[i];
    bool last = i + 1 == bases.size();
    std::int64_t truncated_before = report.bytes_truncated;
    CAIRN_TRY(auto seg, segment::open(dir, base, seg_opts, /*contiguous=*/last, report));
    if (!log->segments_.empty() && base < log->segments_.back()->next_offset()) {
      spdlog::error("{}: segment {} starts below the previous segment's end {}", dir, base,
                    log->segments_.back()->next_offset());
      return errc::offset_not_monotonic;
    }
    if (!last && !seg->opened_with_sealed_indexes()) {
      // A segment whose seal never finished (a crash while it was being written back): it was
      // just validated; make it durable and sealed now so the next open can trust it.
      CAIRN_TRY(seg->sync());
      seg->finish_time_index();
      CAIRN_TRY(seg->write_indexes());
    }
    log->segments_.push_back(std::move(seg));
    if (!last && report.bytes_truncated > truncated_before) {
      // Damage inside a sealed segment: nothing after it can be trusted to follow on.
      for (std::size_t j = i + 1; j < bases.size(); ++j) {
        spdlog::warn("{}: dropping segment {} after damage in segment {}", dir, bases[j], base);
        CAIRN_TRY(remove_file_if_exists(segment::path_for(dir, bases[j], ".log")));
      }
      break;
    }
  }
  // Index files of orphaned segments (their .log is gone) are left over from deletions.
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    auto dot = name.find('.');
    if (dot == std::string::npos) continue;
    std::string ext = name.substr(dot);
    if (ext != ".index" && ext != ".timeindex") continue;
    if (!fs::exists(fs::path(dir) / (name.substr(0, dot) + ".log"))) {
      CAIRN_TRY(remove_file_if_exists(entry.path().string()));
      ++report.stray_files_removed;
    }
  }
  if (log->segments_.empty()) {
    CAIRN_TRY(auto seg, segment::create(dir, 0, seg_opts));
    log->segments_.push_back(std::move(seg));
  }
  CAIRN_TRY(log->start_floor_, read_start_file(dir));
  // A start past a tail that recovery cut off: the log restarts at its end.
  log->start_floor_ = std::min(log->start_floor_, log->segments_.back()->next_offset());
  // The active segment's indexes live in memory until it is sealed again.
  CAIRN_TRY(log->segments_.back()->remove_index_files());
  // Whatever survived recovery may still sit only in the page cache: sync it so flushed_offset
  // starts out true.
  CAIRN_TRY(log->segments_.back()->sync());
  CAIRN_TRY(sync_directory(dir));
  log->flushed_offset_ = log->segments_.back()->next_offset();
  log->last_flush_ms_ = log->now_ms();
  if (report.bytes_truncated > 0 || report.indexes_rebuilt > 0) {
    spdlog::warn("{}: recovered: {} segments, {} indexes rebuilt, {} bytes truncated", dir,
                 report.segments_opened, report.indexes_rebuilt, report.bytes_truncated);
  }
  if (report_out) *report_out = report;
  return log;
}

// ---- writer ------------------------------------------------------------------------------------

result<append_result> partition_log::append(std::span<char> batch) {
  std::string_view bytes(batch.data(), batch.size());
  CAIRN_TRY(auto view, record_batch_view::parse(bytes, options_.segment.batch_bytes_max));
  return append(batch, view);
}

result<append_result> partition_log::append(std::span<char> batch,
                                            const record_batch_view& validated) {
  CAIRN_ASSERT(validated.bytes().data() == batch.data(), "the view is of another buffer");
  if (validated.size_bytes() != batch.size()) return errc::batch_length_invalid;
  if (static_cast<std::int64_t>(batch.size()) > options_.segment.batch_bytes_max) {
    return errc::batch_too_large;
  }
  record_batch_view view = validated;

  std::lock_guard lock(mu_);
  if (closed_) return errc::log_closed;
  segment* active = segments_.back().get();
  // Age is measured in record time, as Kafka does: the new batch's timestamp against the first
  // batch's, so a log replayed with old timestamps does not roll on every append.
  bool too_old =
      !active->empty() &&
      view.header().max_timestamp - active->first_batch_timestamp_ms() >= options_.segment_ms_max;
  if (too_old || !active->can_hold(view, options_.segment_bytes_max)) {
    CAIRN_TRY(roll_locked());
    active = segments_.back().get();
  }
  std::int64_t base = active->next_offset();
  stamp_base_offset(batch, base);
  view = view.rebased(base);
  CAIRN_TRY(active->append(view));
  CAIRN_DEBUG_ASSERT(active->next_offset() == view.next_offset(), "segment end {} after batch {}",
                     active->next_offset(), view.next_offset());
  return append_result{base, view.last_offset(), view.header().max_timestamp};
}

result<void> partition_log::roll() {
  std::lock_guard lock(mu_);
  if (closed_) return errc::log_closed;
  if (segments_.back()->empty()) return success();
  return roll_locked();
}

result<void> partition_log::roll_locked() {
  CAIRN_TRY(wait_for_seal_locked());
  std::shared_ptr<segment> old = segments_.back();
  old->finish_time_index();
  CAIRN_TRY(auto fresh, segment::create(dir_, old->next_offset(), options_.segment));
  CAIRN_TRY(sync_directory(dir_));
  segments_.push_back(std::move(fresh));
  // Sealed indexes are written only after the segment is synced, so open() trusts a segment
  // with valid indexes and validates one without. Offsets below old's end are durable once this
  // completes: the seal before it was waited for above.
  sealing_ = std::async(std::launch::async, [this, old]() -> std::error_code {
               auto synced = old->sync();
               ++fdatasync_count_;
               if (!synced) return synced.error();
               auto written = old->write_indexes();
               if (!written) return written.error();
               note_flushed(old->next_offset());
               return {};
             }).share();
  return success();
}

result<void> partition_log::wait_for_seal_locked() {
  if (!sealing_.valid()) return success();
  std::error_code ec = sealing_.get();
  sealing_ = {};
  if (ec) return ec;
  return success();
}

result<std::int64_t> partition_log::truncate(std::int64_t offset) {
  std::lock_guard lock(mu_);
  if (closed_) return errc::log_closed;
  CAIRN_TRY(wait_for_seal_locked());
  if (offset >= segments_.back()->next_offset()) return segments_.back()->next_offset();
  if (offset < segments_.front()->base_offset()) return errc::offset_out_of_range;
  while (segments_.size() > 1 && segments_.back()->base_offset() > offset) {
    CAIRN_TRY(segments_.back()->remove_files());
    segments_.pop_back();
  }
  segment& last = *segments_.back();
  CAIRN_TRY(last.remove_index_files());  // it is the active segment again
  CAIRN_TRY(std::int64_t end, last.truncate(offset));
  CAIRN_TRY(last.sync());
  CAIRN_TRY(sync_directory(dir_));
  // The truncated segment may be an old, compacted one with offset gaps, which recovery would not
  // accept in the active segment: new appends go to a fresh segment instead.
  if (!last.empty()) {
    CAIRN_TRY(roll_locked());
  }
  // Offsets at and past `end` may be written again with other data.
  std::int64_t flushed = flushed_offset_.load();
  while (flushed > end && !flushed_offset_.compare_exchange_weak(flushed, end)) {
  }
  return end;
}

result<std::size_t> partition_log::apply_retention(const retention_policy& policy,
                                                   std::int64_t end_max) {
  std::lock_guard cleaning(cleaning_mu_);
  std::vector<std::shared_ptr<segment>> doomed;
  {
    std::lock_guard lock(mu_);
    if (closed_) return errc::log_closed;
    CAIRN_TRY(wait_for_seal_locked());
    std::vector<segment_summary> summaries;
    summaries.reserve(segments_.size());
    for (const auto& s : segments_)
      summaries.push_back({s->size_bytes(), s->max_timestamp_ms()});
    std::size_t count = segments_to_delete(summaries, policy, now_ms());
    std::size_t below_end_max = 0;
    while (below_end_max < count && segments_[below_end_max]->next_offset() <= end_max)
      ++below_end_max;
    count = below_end_max;
    doomed.assign(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(count));
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(count));
  }
  for (const auto& s : doomed) {
    spdlog::info("{}: retention deletes segment {} ({} bytes)", dir_, s->base_offset(),
                 s->size_bytes());
    CAIRN_TRY(s->remove_files());
  }
  if (!doomed.empty()) {
    CAIRN_TRY(sync_directory(dir_));
  }
  return doomed.size();
}

result<compaction_result> partition_log::compact(const compaction_options& options) {
  std::lock_guard cleaning(cleaning_mu_);
  std::vector<std::shared_ptr<segment>> sealed;
  {
    std::lock_guard lock(mu_);
    if (closed_) return errc::log_closed;
    CAIRN_TRY(wait_for_seal_locked());
    // Sealed segments wholly below end_max: a replicated log compacts only committed data, since
    // a key's older record must not go because of a newer one that a truncation may remove.
    for (auto it = segments_.begin(); it + 1 != segments_.end(); ++it) {
      if ((*it)->next_offset() > options.end_max) break;
      sealed.push_back(*it);
    }
  }
  compaction_result stats;
  if (sealed.empty()) return stats;
  // Nothing sealed since the last pass, which left every key once: a pass now could only drop
  // tombstones that expired since, so it waits for delete_retention_ms (Kafka's cleaner, too,
  // runs only on a log with new dirty data). A large compacted partition is not reread every
  // housekeeping second.
  const std::int64_t sealed_end = sealed.back()->next_offset();
  if (sealed_end == cleaned_end_ && now_ms() - cleaned_at_ms_ < options.delete_retention_ms) {
    return stats;
  }
  CAIRN_TRY(auto latest, build_key_offsets(sealed, options_.segment.batch_bytes_max));
  for (const auto& original : sealed) {
    CAIRN_TRY(auto cleaned,
              clean_segment(dir_, *original, latest, options, options_.segment, now_ms(), stats));
    if (!cleaned) continue;
    CAIRN_TRY(auto replaced, segment::replace(std::move(cleaned), *original));
    std::lock_guard lock(mu_);
    auto it = std::find(segments_.begin(), segments_.end(), original);
    CAIRN_ASSERT(it != segments_.end(), "segment {} vanished during compaction",
                 original->base_offset());
    *it = std::shared_ptr<segment>(std::move(replaced));
  }
  cleaned_end_ = sealed_end;
  cleaned_at_ms_ = now_ms();
  return stats;
}

result<void> partition_log::reset_to(std::int64_t start) {
  if (start < 0) return errc::invalid_argument;
  std::lock_guard cleaning(cleaning_mu_);
  std::lock_guard lock(mu_);
  if (closed_) return errc::log_closed;
  CAIRN_TRY(wait_for_seal_locked());
  cleaned_end_ = -1;  // other segments will be sealed at these offsets
  // Newest first: a crash part way leaves a prefix of the old log, never a log with a hole. The
  // caller (partition_raft_log) records the new start before calling this and finishes an
  // interrupted reset at the next open.
  while (!segments_.empty()) {
    CAIRN_TRY(segments_.back()->remove_files());
    segments_.pop_back();
  }
  CAIRN_TRY(remove_file_if_exists(start_file_path(dir_)));
  start_floor_ = 0;
  CAIRN_TRY(auto fresh, segment::create(dir_, start, options_.segment));
  CAIRN_TRY(fresh->sync());
  segments_.push_back(std::move(fresh));
  CAIRN_TRY(sync_directory(dir_));
  // The flushed mark restarts at the new start (it may have to go back or forward).
  flushed_offset_ = start;
  last_flush_ms_ = now_ms();
  return success();
}

result<std::int64_t> partition_log::advance_start(std::int64_t offset) {
  std::lock_guard cleaning(cleaning_mu_);
  {
    std::lock_guard lock(mu_);
    if (closed_) return errc::log_closed;
    if (offset > segments_.back()->next_offset()) return errc::offset_out_of_range;
    if (offset <= start_locked()) return start_locked();
  }
  // Durable before any segment goes: after a crash the start is the new one, whichever of the
  // segments below it are still there.
  CAIRN_TRY(write_file_atomically(start_file_path(dir_), fmt::format("1 {}\n", offset)));
  std::vector<std::shared_ptr<segment>> doomed;
  {
    std::lock_guard lock(mu_);
    CAIRN_TRY(wait_for_seal_locked());
    start_floor_ = offset;
    while (segments_.size() > 1 && segments_.front()->next_offset() <= offset) {
      doomed.push_back(segments_.front());
      segments_.erase(segments_.begin());
    }
  }
  for (const auto& s : doomed) {
    spdlog::info("{}: the log start moved to {}: segment {} deleted", dir_, offset,
                 s->base_offset());
    CAIRN_TRY(s->remove_files());
  }
  if (!doomed.empty()) {
    CAIRN_TRY(sync_directory(dir_));
  }
  return offset;
}

result<void> partition_log::close() {
  std::lock_guard lock(mu_);
  if (closed_) return success();
  closed_ = true;
  CAIRN_TRY(wait_for_seal_locked());
  segment& active = *segments_.back();
  active.finish_time_index();
  CAIRN_TRY(active.sync());
  ++fdatasync_count_;
  note_flushed(active.next_offset());
  return active.write_indexes();
}

// ---- readers -----------------------------------------------------------------------------------

result<read_result> partition_log::read(std::int64_t offset, std::int64_t max_bytes,
                                        std::int64_t max_offset) const {
  return read_from(offset, max_bytes, max_offset, false);
}

result<read_result> partition_log::read_stored(std::int64_t offset, std::int64_t max_bytes,
                                               std::int64_t max_offset) const {
  return read_from(offset, max_bytes, max_offset, true);
}

result<read_result> partition_log::read_from(std::int64_t offset, std::int64_t max_bytes,
                                             std::int64_t max_offset, bool stored) const {
  segment_cut cut;
  {
    std::lock_guard lock(mu_);
    const std::int64_t first = stored ? segments_.front()->base_offset() : start_locked();
    if (offset < first || offset > segments_.back()->next_offset()) {
      return errc::offset_out_of_range;
    }
    // The segment holding `offset`, or the next one with data (compaction leaves gaps).
    auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                               [](std::int64_t o, const auto& s) { return o < s->base_offset(); });
    --it;
    while (it != segments_.end() && (*it)->next_offset() <= offset)
      ++it;
    if (it == segments_.end()) return read_result{{}, offset};
    const segment& seg = **it;
    cut = {seg.log_file(), seg.index().lookup(offset).position, seg.size_bytes()};
  }

  std::int64_t position = cut.start_position;
  std::int64_t first = -1;
  std::int64_t next_offset = offset;
  header_reader headers(*cut.source, cut.size_bytes);
  while (position < cut.size_bytes) {
    CAIRN_TRY(auto h, headers.at(position));
    if (h.last_offset() >= max_offset) break;
    if (h.last_offset() >= offset) {
      if (first < 0) {
        first = position;
      } else if (position + h.size_bytes() - first > max_bytes) {
        break;
      }
      next_offset = h.last_offset() + 1;
    }
    position += h.size_bytes();
  }
  if (first < 0) return read_result{{}, offset};
  return read_result{{cut.source, first, position - first}, next_offset};
}

result<void> partition_log::scan(std::int64_t from_offset, const batch_visitor& visit) const {
  std::vector<segment_cut> cuts;
  {
    std::lock_guard lock(mu_);
    cuts = cuts_from(segments_, from_offset);
  }
  return scan_cuts(cuts, options_.segment.batch_bytes_max,
                   [&](const record_batch_view& batch) -> result<bool> {
                     if (batch.last_offset() < from_offset) return false;
                     CAIRN_TRY(visit(batch));
                     return false;
                   });
}

result<void> partition_log::scan_headers(
    std::int64_t from_offset, const std::function<result<void>(const batch_header&)>& visit) const {
  std::vector<segment_cut> cuts;
  {
    std::lock_guard lock(mu_);
    cuts = cuts_from(segments_, from_offset);
  }
  for (const segment_cut& cut : cuts) {
    batch_scanner scanner(*cut.source, cut.start_position, cut.size_bytes,
                          options_.segment.batch_bytes_max);
    while (true) {
      CAIRN_TRY(auto header, scanner.next_header());
      if (!header) break;
      if (header->last_offset() < from_offset) continue;
      CAIRN_TRY(visit(*header));
    }
  }
  return success();
}

result<std::optional<batch_header>> partition_log::header_at(std::int64_t offset) const {
  CAIRN_TRY(auto found, read_stored(offset, 1));
  if (found.range.size == 0) return std::optional<batch_header>{};
  char bytes[batch_layout::kHeaderSize];
  CAIRN_TRY(auto n, found.range.source->pread(found.range.position, bytes, sizeof bytes));
  if (n != sizeof bytes) return errc::batch_too_short;
  return std::optional<batch_header>{batch_header::read(bytes)};
}

result<std::optional<std::int64_t>> partition_log::offset_for_timestamp(
    std::int64_t timestamp_ms) const {
  std::vector<segment_cut> cuts;
  {
    std::lock_guard lock(mu_);
    for (const auto& s : segments_) {
      if (s->empty() || s->max_timestamp_ms() < timestamp_ms) continue;
      std::int64_t from = s->timestamps().lookup(timestamp_ms);
      cuts.push_back({s->log_file(), s->index().lookup(from).position, s->size_bytes()});
    }
  }
  std::optional<std::int64_t> found;
  CAIRN_TRY(scan_cuts(cuts, options_.segment.batch_bytes_max,
                      [&](const record_batch_view& batch) -> result<bool> {
                        if (batch.header().max_timestamp < timestamp_ms) return false;
                        for (const record_view& r : batch) {
                          if (record_timestamp(batch, r) >= timestamp_ms) {
                            found = batch.base_offset() + r.offset_delta;
                            return true;
                          }
                        }
                        return false;
                      }));
  return found;
}

// ---- durability --------------------------------------------------------------------------------

void partition_log::note_flushed(std::int64_t offset) {
  std::int64_t current = flushed_offset_.load();
  while (current < offset && !flushed_offset_.compare_exchange_weak(current, offset)) {
  }
  last_flush_ms_ = now_ms();
}

result<void> partition_log::flush_to(std::int64_t end_offset) {
  std::unique_lock flush_lock(flush_mu_);
  while (flushed_offset_.load() < end_offset) {
    if (flushing_) {
      // Someone is syncing; its sync may or may not cover us. Wait, then look again.
      flush_done_.wait(flush_lock);
      continue;
    }
    flushing_ = true;
    flush_lock.unlock();
    std::shared_ptr<const file> active;
    std::shared_future<std::error_code> sealing;
    std::int64_t target = 0;
    {
      std::lock_guard lock(mu_);
      active = segments_.back()->log_file();
      target = segments_.back()->next_offset();
      sealing = sealing_;
    }
    // Earlier segments are durable once their seal is done; one fdatasync then covers every
    // append that reached the active segment before it started.
    std::error_code seal_error = sealing.valid() ? sealing.get() : std::error_code{};
    auto synced = seal_error ? result<void>(seal_error) : active->datasync();
    ++fdatasync_count_;
    if (synced) note_flushed(target);
    flush_lock.lock();
    flushing_ = false;
    flush_done_.notify_all();
    if (!synced) return synced.error();
  }
  return success();
}

result<void> partition_log::flush_per_policy(std::int64_t end_offset) {
  switch (options_.flush.mode) {
    case flush_policy::kind::always:
      return flush_to(end_offset);
    case flush_policy::kind::interval:
      if (now_ms() - last_flush_ms_.load() >= options_.flush.interval_ms) return flush();
      return success();
    case flush_policy::kind::never:
      return success();
  }
  return success();
}

bool partition_log::flush_per_policy_syncs(std::int64_t end_offset) const {
  switch (options_.flush.mode) {
    case flush_policy::kind::always:
      return flushed_offset_.load() < end_offset;
    case flush_policy::kind::interval:
      return now_ms() - last_flush_ms_.load() >= options_.flush.interval_ms;
    case flush_policy::kind::never:
      return false;
  }
  return false;
}

std::int64_t partition_log::start_locked() const {
  return std::max(start_floor_, segments_.front()->base_offset());
}

std::int64_t partition_log::start_offset() const {
  std::lock_guard lock(mu_);
  return start_locked();
}

std::int64_t partition_log::stored_start_offset() const {
  std::lock_guard lock(mu_);
  return segments_.front()->base_offset();
}

std::int64_t partition_log::end_offset() const {
  std::lock_guard lock(mu_);
  return segments_.back()->next_offset();
}

std::int64_t partition_log::size_bytes() const {
  std::lock_guard lock(mu_);
  std::int64_t total = 0;
  for (const auto& s : segments_)
    total += s->size_bytes();
  return total;
}

std::size_t partition_log::segment_count() const {
  std::lock_guard lock(mu_);
  return segments_.size();
}

}  // namespace cairn::eventstore
