#include "broker/partition/partition.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <limits>

#include "broker/errc.h"
#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "eventstore/record/control_batch.h"

namespace cairn::broker {
namespace es = cairn::eventstore;

class partition::writer_lock {
 public:
  explicit writer_lock(const partition& p) : p_(p) {
    CAIRN_ASSERT(p.writer_mu_holder_.load() != std::this_thread::get_id(),
                 "{}: this thread already holds the partition's writer lock (a replicated write "
                 "re-entered while the lock was held)",
                 p.dir_);
    lock_ = std::unique_lock(p.writer_mu_);
    p.writer_mu_holder_ = std::this_thread::get_id();
  }
  ~writer_lock() {
    if (lock_.owns_lock()) unlock();
  }
  writer_lock(const writer_lock&) = delete;
  writer_lock& operator=(const writer_lock&) = delete;

  void unlock() {
    p_.writer_mu_holder_ = std::thread::id{};
    lock_.unlock();
  }
  bool owns_lock() const { return lock_.owns_lock(); }

 private:
  const partition& p_;
  std::unique_lock<std::mutex> lock_;
};

class partition::replicated_write_scope {
 public:
  explicit replicated_write_scope(partition& p) : p_(p) {
    CAIRN_ASSERT(p.options_.replicated, "{}: a replicated write on a standalone partition", p.dir_);
    std::thread::id expected{};
    if (!p.replicated_writer_.compare_exchange_strong(expected, std::this_thread::get_id())) {
      CAIRN_ASSERT(expected == std::this_thread::get_id(),
                   "{}: two threads write a replicated partition at once (all its writes must "
                   "come from the broker's I/O thread)",
                   p.dir_);
    }
    ++p.replicated_write_depth_;
  }
  ~replicated_write_scope() {
    if (--p_.replicated_write_depth_ == 0) p_.replicated_writer_ = std::thread::id{};
  }
  replicated_write_scope(const replicated_write_scope&) = delete;
  replicated_write_scope& operator=(const replicated_write_scope&) = delete;

 private:
  partition& p_;
};

partition::partition(std::string dir, options opts, std::unique_ptr<es::partition_log> log)
    : dir_(std::move(dir)), options_(std::move(opts)), log_(std::move(log)) {}

result<std::unique_ptr<partition>> partition::open(const std::string& dir, options opts) {
  CAIRN_TRY(auto log, es::partition_log::open(dir, opts.log));
  std::unique_ptr<partition> p(new partition(dir, std::move(opts), std::move(log)));
  // Idempotence must survive restarts: the last batches of every producer are in the log.
  CAIRN_TRY(p->log_->scan_headers(p->log_->start_offset(),
                                  [&](const es::batch_header& h) -> result<void> {
                                    p->producers_.record(h, h.base_offset);
                                    return success();
                                  }));
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(dir) / es::kStreamIndexDirName, ec)) {
    writer_lock lock(*p);
    CAIRN_TRY(p->ensure_stream_index());
  }
  // Standalone: recovery synced what it kept, so all of it is committed. Replicated: only the
  // Raft group knows what is committed; everything below the log start is (the node restarts
  // its commit end there too) and the driver moves the mark as it learns more.
  p->high_watermark_ = p->options_.replicated ? p->log_->start_offset() : p->log_->end_offset();
  return p;
}

result<void> partition::rebuild_producer_state() {
  producers_ = producer_state_table{};
  return log_->scan_headers(log_->start_offset(), [&](const es::batch_header& h) -> result<void> {
    producers_.record(h, h.base_offset);
    return success();
  });
}

bool partition::has_stream_index() const {
  writer_lock lock(*this);
  return streams_.has_value();
}

result<void> partition::ensure_stream_index() {
  if (streams_) return success();
  auto opened = es::stream_index::open(std::filesystem::path(dir_) / es::kStreamIndexDirName,
                                       options_.stream_index);
  if (!opened) {
    spdlog::error("{}: cannot open the stream index: {}", dir_, opened.error().message());
    return errc::stream_index_unavailable;
  }
  es::stream_index index = std::move(opened).value();
  auto caught_up = index.catch_up(
      [this](std::int64_t from, const es::batch_visitor& visit) { return log_->scan(from, visit); },
      log_->end_offset());
  if (!caught_up) {
    spdlog::error("{}: cannot catch the stream index up: {}", dir_, caught_up.error().message());
    return errc::stream_index_unavailable;
  }
  streams_.emplace(std::move(index));
  return success();
}

result<es::append_result> partition::append_locked(const writer_lock& writer, std::span<char> batch,
                                                   const es::record_batch_view& view) {
  CAIRN_ASSERT(writer.owns_lock(), "append without the writer lock");
  CAIRN_TRY(auto appended, log_->append(batch, view));
  es::record_batch_view stored = view.rebased(appended.base_offset);
  producers_.record(stored.header(), appended.base_offset);
  if (streams_) {
    auto applied = streams_->apply(std::span<const es::record_batch_view>(&stored, 1));
    if (!applied) {
      // The log has the batch; the index is behind. Drop it: the next stream request reopens it
      // and catch_up() applies what it missed.
      spdlog::error("{}: stream index apply failed, will catch up: {}", dir_,
                    applied.error().message());
      streams_.reset();
    }
  }
  return appended;
}

result<void> partition::commit(std::int64_t end) {
  CAIRN_ASSERT(!options_.replicated,
               "{}: commit() on a replicated partition: the Raft driver moves the high watermark",
               dir_);
  CAIRN_TRY(log_->flush_per_policy(end));
  advance_high_watermark(end);
  return success();
}

es::record_batch_view partition::stamp_timestamp(std::span<char> batch,
                                                 const es::record_batch_view& view,
                                                 std::int64_t* log_append_time_ms) const {
  const es::timestamp_type type = timestamp_type();
  const std::int64_t now = log_->now_ms();
  *log_append_time_ms = type == es::timestamp_type::log_append_time ? now : -1;
  return es::apply_timestamp_type(batch, view, type, now);
}

std::int64_t partition::log_append_time_of(const appended_batch& original) const {
  return timestamp_type() == es::timestamp_type::log_append_time ? original.max_timestamp : -1;
}

result<produce_result> partition::append(std::span<char> batch) {
  CAIRN_TRY(auto parsed, es::record_batch_view::parse(std::string_view(batch.data(), batch.size()),
                                                      options_.log.segment.batch_bytes_max));
  produce_result out;
  if (options_.replicated) {
    replicated_write_scope scope(*this);
    // Control batches are the Raft group's own records (noop, config): never a client's.
    if (es::is_control_batch(parsed.header())) return es::errc::invalid_argument;
    {
      writer_lock writer(*this);
      CAIRN_TRY(auto duplicate, producers_.check(parsed.header()));
      if (duplicate) {
        return produce_result{duplicate->base_offset, duplicate->last_offset, true,
                              log_append_time_of(*duplicate)};
      }
    }
    // Stamped here, on the leader, once: followers store these bytes as they are.
    es::record_batch_view view = stamp_timestamp(batch, parsed, &out.log_append_time_ms);
    CAIRN_TRY(auto appended, replicate_unlocked(batch, view));
    out.base_offset = appended.base_offset;
    out.last_offset = appended.last_offset;
    return out;
  }
  writer_lock writer(*this);
  CAIRN_TRY(auto duplicate, producers_.check(parsed.header()));
  // A duplicate's first attempt may still wait for its commit: the caller commits to its end
  // before answering, so a retry is never acknowledged before the original is durable.
  if (duplicate) {
    return produce_result{duplicate->base_offset, duplicate->last_offset, true,
                          log_append_time_of(*duplicate)};
  }
  es::record_batch_view view = stamp_timestamp(batch, parsed, &out.log_append_time_ms);
  CAIRN_TRY(auto appended, append_locked(writer, batch, view));
  out.base_offset = appended.base_offset;
  out.last_offset = appended.last_offset;
  return out;
}

result<produce_result> partition::produce(std::span<char> batch, acks a) {
  // The standalone path: every acks level commits locally. A replicated partition's acks are
  // handled by the server, which waits for its Raft group's commit end (net/server.cc).
  (void)a;
  CAIRN_TRY(auto produced, append(batch));
  CAIRN_TRY(commit(produced.end_offset()));
  return produced;
}

result<stream_append_result> partition::append_to_stream(std::string_view key,
                                                         es::expected_version expected,
                                                         std::string_view events, acks a) {
  // The standalone path, as in produce().
  (void)a;
  CAIRN_TRY(auto appended, stream_append(key, expected, events));
  if (appended.conflict) return appended;
  CAIRN_TRY(commit(appended.end_offset()));
  return appended;
}

result<stream_append_result> partition::stream_append(std::string_view key,
                                                      es::expected_version expected,
                                                      std::string_view events) {
  CAIRN_TRY(auto view, es::record_batch_view::parse(events, options_.log.segment.batch_bytes_max));
  if (key.empty() || view.records_count() == 0 || view.size_bytes() != events.size()) {
    return errc::invalid_stream_batch;
  }
  for (const es::record_view& r : view) {
    if (r.key && *r.key != key) return errc::invalid_stream_batch;
  }

  std::optional<replicated_write_scope> scope;
  if (options_.replicated) scope.emplace(*this);
  writer_lock writer(*this);
  CAIRN_TRY(ensure_stream_index());
  CAIRN_TRY(auto current, streams_->current_version(key));
  if (auto conflict = es::find_version_conflict(expected, current)) {
    return stream_append_result{.conflict = conflict};
  }
  // The leader numbers the events (the client cannot know the version under `any`), so a stream
  // append is re-encoded once here with a version header per event; plain produce never is.
  stream_version first = es::next_version(current);
  // Built with each record's timestamp as the client's batch gives it; the topic's timestamp
  // type is stamped on the result below, as on a produced batch.
  es::record_batch_builder builder;
  std::vector<std::string> versions;
  versions.reserve(static_cast<std::size_t>(view.records_count()));
  std::vector<es::header_view> headers;
  stream_version next = first;
  for (const es::record_view& r : view) {
    versions.push_back(es::format_stream_version(next));
    headers.clear();
    for (const es::header_view& h : r.headers()) {
      if (h.key != es::kStreamVersionHeader) headers.push_back(h);  // the client's is not trusted
    }
    headers.push_back({es::kStreamVersionHeader, versions.back()});
    builder.add({.key = key,
                 .value = r.value,
                 .headers = headers,
                 .timestamp_ms = es::record_timestamp(view, r)});
    ++next;
  }
  std::string bytes = builder.finish();
  CAIRN_TRY(auto built, es::record_batch_view::parse(bytes, options_.log.segment.batch_bytes_max));
  std::int64_t log_append_time_ms = -1;
  es::record_batch_view stamped = stamp_timestamp(bytes, built, &log_append_time_ms);
  es::append_result appended;
  if (options_.replicated) {
    // One writing thread (asserted by `scope`), so nothing can change the stream between the
    // version check above and the append the proposal makes.
    writer.unlock();
    CAIRN_TRY(appended, replicate_unlocked(bytes, stamped));
  } else {
    // Stored with its versions: even if the index apply fails now, catch_up() indexes it later.
    CAIRN_TRY(appended, append_locked(writer, bytes, stamped));
  }
  return stream_append_result{.first_version = first,
                              .last_version = next - 1,
                              .base_offset = appended.base_offset,
                              .log_append_time_ms = log_append_time_ms};
}

result<stream_read_result> partition::read_stream(std::string_view key, stream_version from_version,
                                                  std::size_t max_count, std::int64_t max_bytes) {
  stream_read_result out;
  if (from_version.value() < 0) return es::errc::invalid_argument;
  std::vector<es::stream_entry> entries;
  std::int64_t log_end = 0;  // at the index lookup: every indexed event lies below it
  {
    writer_lock writer(*this);
    std::error_code ec;
    if (!streams_ &&
        !std::filesystem::exists(std::filesystem::path(dir_) / es::kStreamIndexDirName, ec)) {
      return out;  // no stream was ever appended here
    }
    CAIRN_TRY(ensure_stream_index());
    CAIRN_TRY(out.last_version, streams_->current_version(key));
    std::int64_t room = std::numeric_limits<std::int64_t>::max() - from_version.value();
    std::int64_t count = static_cast<std::int64_t>(std::min<std::size_t>(max_count, 1 << 20));
    CAIRN_TRY(entries, streams_->offsets(key, from_version, from_version + std::min(count, room),
                                         max_count));
    log_end = log_->end_offset();
  }

  // Events past the high watermark are not committed yet: not served, as Kafka's fetch.
  std::int64_t hw = high_watermark();
  std::string cached;  // the last batch read, which often holds the next event too
  std::optional<es::record_batch_view> batch;
  // The cached batch's records, decoded once: a stream appended in large batches has many
  // events per batch, and walking the batch from its first record for each event was quadratic.
  std::vector<es::record_view> batch_records;
  std::optional<es::record_batch_builder> builder;
  std::int64_t out_base = 0;
  std::int64_t log_start = log_->start_offset();
  for (const es::stream_entry& e : entries) {
    std::int64_t offset = e.offset.value();
    if (offset >= hw) {
      out.pending_end = log_end;
      break;
    }
    // Retention may have deleted a stream's oldest events: they are simply no longer served.
    if (offset < log_start) continue;
    if (!batch || offset < batch->base_offset() || offset > batch->last_offset()) {
      CAIRN_TRY(auto chunk, log_->read(offset, 1, hw));
      CAIRN_TRY(cached, chunk.range.read());
      CAIRN_TRY(auto parsed, es::record_batch_view::parse(cached));
      batch = parsed;
      batch_records.assign(batch->begin(), batch->end());
    }
    // Offset deltas grow within a batch (compaction may leave gaps): a binary search.
    auto at = std::lower_bound(
        batch_records.begin(), batch_records.end(), offset - batch->base_offset(),
        [](const es::record_view& r, std::int64_t delta) { return r.offset_delta < delta; });
    const es::record_view* found = nullptr;
    if (at != batch_records.end() && batch->base_offset() + at->offset_delta == offset) {
      found = &*at;
    }
    // Compaction may have removed the record (a stream on a compacted topic keeps only its
    // latest events): skip it, as a reader of the log would.
    if (found == nullptr) continue;
    // The byte budget: stop before the event that would pass it, but always return one.
    std::int64_t so_far = static_cast<std::int64_t>(out.records.size()) +
                          (builder ? static_cast<std::int64_t>(builder->size_bytes()) : 0);
    std::int64_t event_bytes = static_cast<std::int64_t>(found->key.value_or("").size() +
                                                         found->value.value_or("").size());
    if (!out.entries.empty() && so_far + event_bytes > max_bytes) break;
    // One output batch while offset deltas fit in 32 bits.
    if (builder && offset - out_base > std::numeric_limits<std::int32_t>::max()) {
      out.records += builder->finish();
      builder.reset();
    }
    if (!builder) {
      out_base = offset;
      builder.emplace(es::record_batch_builder::options{.base_offset = offset});
    }
    std::vector<es::header_view> headers(found->headers().begin(), found->headers().end());
    builder->add({.key = found->key,
                  .value = found->value,
                  .headers = headers,
                  .timestamp_ms = es::record_timestamp(*batch, *found)},
                 static_cast<std::int32_t>(offset - out_base));
    out.entries.push_back(e);
  }
  if (builder) out.records += builder->finish();
  return out;
}

// ---- replicated mode ---------------------------------------------------------------------------

result<es::append_result> partition::replicate_unlocked(std::span<char> batch,
                                                        const es::record_batch_view& view) {
  CAIRN_ASSERT(replicator_ != nullptr, "{}: replicated partition without a replicator", dir_);
  CAIRN_ASSERT(writer_mu_holder_.load() != std::this_thread::get_id(),
               "{}: replicate() called with the writer lock held", dir_);
  return replicator_->replicate(batch, std::int64_t{view.header().last_offset_delta} + 1);
}

namespace {

bool has_stream_events(const es::record_batch_view& view) {
  for (const es::record_view& r : view) {
    if (r.key && r.header(es::kStreamVersionHeader)) return true;
  }
  return false;
}

}  // namespace

result<es::append_result> partition::append_replicated(std::span<char> batch,
                                                       const es::record_batch_view& view) {
  replicated_write_scope scope(*this);
  writer_lock writer(*this);
  if (es::is_control_batch(view.header())) return log_->append(batch, view);
  // A follower has never served a stream request, so it may have no index yet: it opens one at
  // the first stream event it replicates (catching up from the log), so that it can check
  // expected versions exactly the moment it leads.
  if (!streams_ && has_stream_events(view)) {
    CAIRN_TRY(ensure_stream_index());
  }
  return append_locked(writer, batch, view);
}

producer_state_table partition::producer_state() const {
  writer_lock writer(*this);
  return producers_;
}

result<std::optional<es::stream_index_dump>> partition::stream_index_dump() const {
  writer_lock writer(*this);
  if (!streams_) return std::optional<es::stream_index_dump>{};
  CAIRN_TRY(auto dump, streams_->dump());
  return std::optional<es::stream_index_dump>{std::move(dump)};
}

result<void> partition::truncate_replicated(std::int64_t from) {
  replicated_write_scope scope(*this);
  writer_lock writer(*this);
  CAIRN_ASSERT(from >= high_watermark_.load(), "{}: truncating at {} below the high watermark {}",
               dir_, from, high_watermark_.load());
  CAIRN_TRY(log_->truncate(from));
  // The last five batches of a producer may lie in the dropped suffix: rebuild from what is left
  // (Kafka reloads its producer snapshot and replays; we have no snapshot yet, so the whole log).
  CAIRN_TRY(rebuild_producer_state());
  // The index has applied past the new end: catch_up() sees it ahead and rebuilds it, so
  // nothing indexed at or above `from` survives. An index that is closed (a failed apply) is
  // opened now, for the same reason: it must not be caught up past the new end later.
  std::error_code ec;
  if (streams_) {
    auto caught_up = streams_->catch_up(
        [this](std::int64_t at, const es::batch_visitor& visit) { return log_->scan(at, visit); },
        log_->end_offset());
    if (!caught_up) {
      spdlog::error("{}: stream index rollback failed: {}", dir_, caught_up.error().message());
      streams_.reset();
      return caught_up.error();
    }
  } else if (std::filesystem::exists(std::filesystem::path(dir_) / es::kStreamIndexDirName, ec)) {
    CAIRN_TRY(ensure_stream_index());
  }
  return success();
}

result<void> partition::reset_replicated(std::int64_t start) {
  {
    replicated_write_scope scope(*this);
    writer_lock writer(*this);
    CAIRN_TRY(log_->reset_to(start));
    producers_ = producer_state_table{};
    std::error_code ec;
    if (streams_ ||
        std::filesystem::exists(std::filesystem::path(dir_) / es::kStreamIndexDirName, ec)) {
      CAIRN_TRY(ensure_stream_index());
      CAIRN_TRY(streams_->reset());
    }
  }
  set_high_watermark(std::max(start, high_watermark_.load()));
  return success();
}

void partition::set_high_watermark(std::int64_t end) {
  CAIRN_ASSERT(options_.replicated, "{}: set_high_watermark on a standalone partition", dir_);
  CAIRN_ASSERT(end <= log_->end_offset(), "{}: high watermark {} past the log end {}", dir_, end,
               log_->end_offset());
  advance_high_watermark(end);
}

void partition::advance_high_watermark(std::int64_t end) {
  std::int64_t current = high_watermark_.load();
  bool moved = false;
  while (current < end) {
    if (high_watermark_.compare_exchange_weak(current, end)) {
      moved = true;
      break;
    }
  }
  if (moved && on_commit_) on_commit_(end);
}

result<fetch_result> partition::fetch(std::int64_t offset, std::int64_t max_bytes) const {
  std::int64_t hw = high_watermark();
  CAIRN_TRY(auto read, log_->read(offset, max_bytes, hw));
  return fetch_result{read.range, read.next_offset, hw, log_->start_offset()};
}

result<std::int64_t> partition::delete_records(std::int64_t before) {
  CAIRN_ASSERT(!options_.replicated, "{}: delete_records on a replicated partition", dir_);
  writer_lock writer(*this);
  const std::int64_t hw = high_watermark();
  if (before == kDeleteToHighWatermark) before = hw;
  if (before < 0 || before > hw) return eventstore::errc::offset_out_of_range;
  return log_->advance_start(before);
}

result<void> partition::close() {
  writer_lock writer(*this);
  if (streams_) {
    CAIRN_TRY(streams_->flush());
  }
  return log_->close();
}

}  // namespace cairn::broker
