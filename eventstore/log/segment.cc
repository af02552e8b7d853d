#include "eventstore/log/segment.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <limits>

#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "eventstore/log/batch_scanner.h"

namespace cairn::eventstore {
namespace {

constexpr std::int64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

bool is_data_error(const std::error_code& ec) {
  return ec.category() == eventstore_category();
}

// Reads a whole (small) index file; nullopt when it does not exist or cannot be read.
std::optional<std::string> read_small_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  auto f = file::open(path, file::mode::read_only);
  if (!f) return std::nullopt;
  auto size = f.value().size();
  if (!size) return std::nullopt;
  std::string contents(static_cast<std::size_t>(size.value()), '\0');
  auto n = f.value().pread(0, contents.data(), contents.size());
  if (!n || n.value() != contents.size()) return std::nullopt;
  return contents;
}

}  // namespace

std::string segment::path_for(const std::string& dir, std::int64_t base_offset,
                              const char* extension) {
  return fmt::format("{}/{:020d}{}", dir, base_offset, extension);
}

std::optional<std::int64_t> segment::parse_base_offset(const std::string& file_name) {
  if (file_name.size() != 24 || !file_name.ends_with(".log")) return std::nullopt;
  std::int64_t value = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    char c = file_name[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

segment::segment(std::string dir, std::int64_t base_offset, file log,
                 const segment_options& options)
    : dir_(std::move(dir)),
      base_offset_(base_offset),
      options_(options),
      log_file_(std::make_shared<file>(std::move(log))),
      offset_index_(base_offset),
      time_index_(base_offset),
      next_offset_(base_offset) {}

result<std::unique_ptr<segment>> segment::create(const std::string& dir, std::int64_t base_offset,
                                                 const segment_options& options,
                                                 const char* extension) {
  CAIRN_TRY(auto log,
            file::open(path_for(dir, base_offset, extension), file::mode::read_write_create));
  CAIRN_TRY(log.truncate(0));
  return std::unique_ptr<segment>(new segment(dir, base_offset, std::move(log), options));
}

result<std::unique_ptr<segment>> segment::open(const std::string& dir, std::int64_t base_offset,
                                               const segment_options& options, bool contiguous,
                                               recovery_report& report) {
  CAIRN_TRY(auto log,
            file::open(path_for(dir, base_offset, ".log"), file::mode::read_write_create));
  CAIRN_TRY(std::int64_t file_size, log.size());
  std::unique_ptr<segment> seg(new segment(dir, base_offset, std::move(log), options));
  ++report.segments_opened;

  // Trusted indexes let us validate only the tail after the last entry; otherwise scan it all.
  std::int64_t scan_from = 0;
  bool loaded = false;
  auto index_bytes = read_small_file(path_for(dir, base_offset, ".index"));
  auto time_bytes = read_small_file(path_for(dir, base_offset, ".timeindex"));
  if (index_bytes && time_bytes) {
    auto offsets = offset_index::deserialize(base_offset, *index_bytes, file_size);
    auto times = time_index::deserialize(base_offset, *time_bytes, file_size);
    if (offsets && times) {
      seg->offset_index_ = std::move(offsets).value();
      seg->time_index_ = std::move(times).value();
      ++report.indexes_loaded;
      loaded = true;
      seg->opened_with_sealed_indexes_ = true;
      if (!seg->offset_index_.entries().empty()) {
        const auto& last = seg->offset_index_.entries().back();
        scan_from = last.position;
        seg->next_offset_ = last.offset;
        seg->size_bytes_ = last.position;
      }
      if (!seg->time_index_.entries().empty()) {
        seg->max_timestamp_ms_ = seg->time_index_.entries().back().timestamp_ms;
        seg->max_timestamp_offset_ = seg->time_index_.entries().back().offset;
      }
      if (file_size >= static_cast<std::int64_t>(batch_layout::kHeaderSize)) {
        char header[batch_layout::kHeaderSize];
        CAIRN_TRY(seg->log_file_->pread(0, header, sizeof header));
        seg->first_batch_timestamp_ms_ = batch_header::read(header).max_timestamp;
      }
    }
  }
  if (scan_from == 0) {
    seg->offset_index_ = offset_index(base_offset);
    seg->time_index_ = time_index(base_offset);
    seg->max_timestamp_ms_ = -1;
    seg->max_timestamp_offset_ = -1;
    if (file_size > 0 && !loaded) ++report.indexes_rebuilt;
  }
  CAIRN_TRY(seg->recover_tail(scan_from, file_size, contiguous, report));
  return seg;
}

result<void> segment::recover_tail(std::int64_t from_position, std::int64_t file_size,
                                   bool contiguous, recovery_report& report) {
  batch_scanner scanner(*log_file_, from_position, file_size, options_.batch_bytes_max);
  std::error_code stopped_by;
  while (true) {
    auto next = scanner.next();
    if (!next) {
      if (!is_data_error(next.error())) return next.error();
      stopped_by = next.error();
      break;
    }
    if (!next.value()) break;
    const record_batch_view& batch = *next.value();
    // baseOffset lies outside the CRC, so order is the only check that can catch its damage.
    bool in_order =
        contiguous ? batch.base_offset() == next_offset_ : batch.base_offset() >= next_offset_;
    if (!in_order || batch.last_offset() - base_offset_ > kU32Max) {
      stopped_by = errc::offset_not_monotonic;
      break;
    }
    note_batch(batch, size_bytes_);
    ++report.batches_scanned;
  }
  if (size_bytes_ < file_size) {
    spdlog::warn("{}: cutting {} bytes at position {} (offset {}): {}", path(),
                 file_size - size_bytes_, size_bytes_, next_offset_, stopped_by.message());
    CAIRN_TRY(log_file_->truncate(size_bytes_));
    report.bytes_truncated += file_size - size_bytes_;
  }
  return success();
}

void segment::note_batch(const record_batch_view& batch, std::int64_t position) {
  CAIRN_ASSERT(position == size_bytes_, "batch at {} but segment ends at {}", position,
               size_bytes_);
  CAIRN_ASSERT(batch.base_offset() >= next_offset_, "batch offset {} below next offset {}",
               batch.base_offset(), next_offset_);
  if (size_bytes_ == 0) first_batch_timestamp_ms_ = batch.header().max_timestamp;
  if (max_timestamp_offset_ < 0 || batch.header().max_timestamp > max_timestamp_ms_) {
    max_timestamp_ms_ = batch.header().max_timestamp;
    max_timestamp_offset_ = batch.base_offset();
  }
  bool past_last_entry = offset_index_.entries().empty() ||
                         batch.base_offset() > offset_index_.entries().back().offset;
  if (bytes_since_index_entry_ >= options_.index_interval_bytes && past_last_entry) {
    offset_index_.append(batch.base_offset(), position);
    time_index_.maybe_append(max_timestamp_ms_, max_timestamp_offset_);
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += static_cast<std::int64_t>(batch.size_bytes());
  size_bytes_ += static_cast<std::int64_t>(batch.size_bytes());
  next_offset_ = batch.next_offset();
}

bool segment::can_hold(const record_batch_view& batch, std::int64_t segment_bytes_max) const {
  if (empty()) return true;  // a segment always takes its first batch
  return size_bytes_ + static_cast<std::int64_t>(batch.size_bytes()) <= segment_bytes_max &&
         size_bytes_ + static_cast<std::int64_t>(batch.size_bytes()) <= kU32Max &&
         batch.last_offset() - base_offset_ <= kU32Max;
}

result<void> segment::append(const record_batch_view& batch) {
  CAIRN_TRY(log_file_->pwrite_all(size_bytes_, batch.bytes()));
  note_batch(batch, size_bytes_);
  return success();
}

result<void> segment::sync() const {
  return log_file_->datasync();
}

void segment::finish_time_index() {
  if (max_timestamp_offset_ >= 0) {
    time_index_.maybe_append(max_timestamp_ms_, max_timestamp_offset_);
  }
}

result<void> segment::write_indexes() const {
  CAIRN_TRY(write_file_atomically(path_for(dir_, base_offset_, ".index"),
                                  offset_index_.serialize(size_bytes_)));
  return write_file_atomically(path_for(dir_, base_offset_, ".timeindex"),
                               time_index_.serialize(size_bytes_));
}

result<void> segment::remove_index_files() {
  CAIRN_TRY(remove_file_if_exists(path_for(dir_, base_offset_, ".index")));
  return remove_file_if_exists(path_for(dir_, base_offset_, ".timeindex"));
}

result<std::int64_t> segment::truncate(std::int64_t offset) {
  if (offset >= next_offset_) return next_offset_;
  // Find the start of the batch that holds `offset`; everything from there goes.
  offset_index::entry start = offset_index_.lookup(offset);
  batch_scanner scanner(*log_file_, start.position, size_bytes_, options_.batch_bytes_max);
  std::int64_t cut = size_bytes_;
  while (true) {
    std::int64_t position = scanner.position();
    CAIRN_TRY(auto next, scanner.next());
    if (!next) break;
    if (next->last_offset() >= offset) {
      cut = position;
      break;
    }
  }
  CAIRN_TRY(log_file_->truncate(cut));
  // Rebuild the in-memory state from what is left; truncation is rare (replication divergence).
  offset_index_ = offset_index(base_offset_);
  time_index_ = time_index(base_offset_);
  next_offset_ = base_offset_;
  size_bytes_ = 0;
  bytes_since_index_entry_ = 0;
  max_timestamp_ms_ = -1;
  max_timestamp_offset_ = -1;
  first_batch_timestamp_ms_ = -1;
  recovery_report ignored;
  CAIRN_TRY(recover_tail(0, cut, /*contiguous=*/false, ignored));
  return next_offset_;
}

result<void> segment::remove_files() {
  CAIRN_TRY(remove_file_if_exists(path_for(dir_, base_offset_, ".log")));
  return remove_index_files();
}

result<std::unique_ptr<segment>> segment::replace(std::unique_ptr<segment> cleaned,
                                                  const segment& original) {
  CAIRN_ASSERT(cleaned->base_offset_ == original.base_offset_, "base {} vs {}",
               cleaned->base_offset_, original.base_offset_);
  cleaned->finish_time_index();
  CAIRN_TRY(cleaned->sync());
  std::string final_path = path_for(original.dir_, original.base_offset_, ".log");
  // The rename is the commit point: before it the original stands, after it the cleaned log
  // does, and its old indexes no longer match its size, so they are rebuilt if we crash here.
  CAIRN_TRY(rename_file(cleaned->path(), final_path));
  cleaned->log_file_->renamed_to(final_path);
  CAIRN_TRY(cleaned->write_indexes());
  CAIRN_TRY(sync_directory(original.dir_));
  return cleaned;
}

}  // namespace cairn::eventstore
