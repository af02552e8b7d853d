#include "eventstore/stream/stream_index.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <utility>

#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "cairn/lmdb/cursor.h"
#include "eventstore/record/endian.h"

namespace cairn::eventstore {
namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kAppliedOffsetKey = "applied_offset";
// Whether every page of the index was on disk when it was last written: "clean" after flush(),
// "dirty" (made durable before the first write after open or flush) otherwise.
constexpr std::string_view kStateKey = "state";
constexpr std::string_view kStateClean = "clean";
constexpr std::string_view kStateDirty = "dirty";
// The kernel's boot id when the index was opened: a different one means the machine restarted.
constexpr std::string_view kBootIdKey = "boot_id";

// This boot's id, or "" when it cannot be read (then every restart looks like a reboot).
std::string current_boot_id() {
  std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "r");
  if (f == nullptr) return {};
  char buf[64] = {};
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string id(buf, n);
  while (!id.empty() && (id.back() == '\n' || id.back() == ' '))
    id.pop_back();
  return id;
}
constexpr char kFormat = 1;
constexpr std::size_t kEntrySize = 16;

// Big-endian so that LMDB's memcmp order of duplicates is version order (versions are >= 0).
using entry_bytes = std::array<char, kEntrySize>;
entry_bytes encode_entry(stream_version version, std::int64_t offset) {
  entry_bytes out;
  store_be<std::int64_t>(out.data(), version.value());
  store_be<std::int64_t>(out.data() + 8, offset);
  return out;
}

using i64_bytes = std::array<char, 8>;
i64_bytes encode_i64(std::int64_t v) {
  i64_bytes out;
  store_be<std::int64_t>(out.data(), v);
  return out;
}
std::string_view view(const auto& bytes) {
  return {bytes.data(), bytes.size()};
}

// Stored values are disk bytes: check sizes and ranges before trusting them.
result<stream_version> decode_version(std::string_view value) {
  if (value.size() != 8) return errc::corrupt_index;
  auto v = load_be<std::int64_t>(value.data());
  if (v < 0) return errc::corrupt_index;
  return stream_version{v};
}
result<stream_entry> decode_entry(std::string_view value) {
  if (value.size() != kEntrySize) return errc::corrupt_index;
  auto version = load_be<std::int64_t>(value.data());
  if (version < 0) return errc::corrupt_index;
  return stream_entry{stream_version{version}, log_offset{load_be<std::int64_t>(value.data() + 8)}};
}

result<std::int64_t> read_applied_offset(const lmdb::txn& t, lmdb::dbi meta) {
  CAIRN_TRY(auto stored, t.get(meta, kAppliedOffsetKey));
  if (!stored) return std::int64_t{0};
  if (stored->size() != 8) return errc::corrupt_index;
  return load_be<std::int64_t>(stored->data());
}

}  // namespace

std::optional<stream_version> parse_stream_version(std::string_view text) {
  // Canonical form only, so one version has exactly one spelling: no sign, no spaces, no
  // leading zeros; from_chars rejects overflow.
  if (text.empty() || text.size() > 19) return std::nullopt;
  if (text[0] < '0' || text[0] > '9') return std::nullopt;
  if (text[0] == '0' && text.size() > 1) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return stream_version{v};
}

std::string format_stream_version(stream_version v) {
  CAIRN_ASSERT(v.value() >= 0, "stream version {} is negative", v.value());
  std::array<char, 20> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v.value());
  CAIRN_ASSERT(ec == std::errc{}, "to_chars of an int64 into 20 chars cannot fail");
  return std::string(buf.data(), end);
}

apply_stats& apply_stats::operator+=(const apply_stats& other) {
  events_indexed += other.events_indexed;
  events_skipped += other.events_skipped;
  records_ignored += other.records_ignored;
  records_already_applied += other.records_already_applied;
  return *this;
}

// One write transaction over the index, fed batch by batch. Keeps its cursors for the whole txn
// (opening one allocates), and remembers the stream of the previous record: events of one append
// are consecutive records of one key, so their streams-db lookup and update happen once per run.
class stream_index::writer {
 public:
  explicit writer(stream_index& index) : index_(index) {}
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  result<void> begin() {
    CAIRN_ASSERT(!txn_.has_value(), "writer::begin with a txn open");
    CAIRN_TRY(auto t, lmdb::txn::begin_write(index_.env_));
    txn_.emplace(std::move(t));
    CAIRN_TRY(applied_, read_applied_offset(*txn_, index_.meta_));
    CAIRN_TRY(auto s, lmdb::cursor::open(*txn_, index_.streams_));
    streams_.emplace(std::move(s));
    CAIRN_TRY(auto v, lmdb::cursor::open(*txn_, index_.versions_));
    versions_.emplace(std::move(v));
    records_in_txn_ = 0;
    return success();
  }

  std::int64_t records_in_txn() const { return records_in_txn_; }

  result<void> add(const record_batch_view& batch, apply_stats& stats) {
    CAIRN_ASSERT(txn_.has_value(), "writer::add without a txn");
    records_in_txn_ += batch.records_count();
    if (batch.last_offset() < applied_) {
      stats.records_already_applied += batch.records_count();
      return success();
    }
    const bool control = (batch.header().attributes & batch_layout::kControl) != 0;
    for (const record_view& record : batch) {
      if (batch.base_offset() + record.offset_delta < applied_) {
        ++stats.records_already_applied;
        continue;
      }
      if (control || !record.key) {
        ++stats.records_ignored;
        continue;
      }
      auto header = record.header(kStreamVersionHeader);
      if (!header) {
        ++stats.records_ignored;
        continue;
      }
      CAIRN_TRY(bool indexed,
                add_event(*record.key, *header, batch.base_offset() + record.offset_delta));
      ++(indexed ? stats.events_indexed : stats.events_skipped);
    }
    // The run's key points into this batch, which a batch_source may free after we return.
    CAIRN_TRY(flush_run());
    applied_ = std::max(applied_, batch.next_offset());
    return success();
  }

  // Records the applied offset and commits. The writer can begin() again afterwards.
  result<void> commit() {
    CAIRN_ASSERT(txn_.has_value(), "writer::commit without a txn");
    CAIRN_ASSERT(!run_.has_value(), "writer::commit with an unflushed run");
    CAIRN_TRY(txn_->put(index_.meta_, kAppliedOffsetKey, view(encode_i64(applied_))));
    // Cursors first: LMDB frees a write txn's cursors at commit.
    streams_.reset();
    versions_.reset();
    auto t = std::move(*txn_);
    txn_.reset();
    return t.commit();
  }

 private:
  // A run of consecutive events of one stream, not yet written to the streams db.
  struct run {
    std::string_view key;
    stream_version current;
    bool stored;  // the streams cursor sits on `key` (it was found there)
  };

  // false when the event is skipped by the version rules.
  result<bool> add_event(std::string_view key, std::string_view version_text, std::int64_t offset) {
    auto version = parse_stream_version(version_text);
    if (!version) return false;
    if (key.empty() || key.size() > index_.max_key_size_bytes_) return false;

    if (!run_ || run_->key != key) {
      CAIRN_TRY(flush_run());
      CAIRN_TRY(auto found, streams_->seek(MDB_SET_KEY, key));
      if (found) {
        CAIRN_TRY(auto current, decode_version(found->value));
        run_ = run{key, current, true};
      } else {
        run_ = run{key, stream_version{-1}, false};  // -1: accepts any first version
      }
    }
    if (run_->current.value() >= 0 && *version != run_->current + 1) return false;

    // Valid because versions only grow per key: the new pair sorts after every stored one.
    auto entry = encode_entry(*version, offset);
    CAIRN_TRY(versions_->put(key, view(entry), MDB_APPENDDUP));
    run_->current = *version;
    return true;
  }

  result<void> flush_run() {
    if (!run_) return success();
    auto value = encode_i64(run_->current.value());
    // The streams cursor still sits on the run's key (only the versions db was written since),
    // so an existing entry is overwritten in place without a second tree descent.
    CAIRN_TRY(streams_->put(run_->key, view(value), run_->stored ? MDB_CURRENT : 0));
    run_.reset();
    return success();
  }

  stream_index& index_;
  // Declared before the cursors so they are destroyed first.
  std::optional<lmdb::txn> txn_;
  std::optional<lmdb::cursor> streams_;
  std::optional<lmdb::cursor> versions_;
  std::optional<run> run_;
  std::int64_t applied_ = 0;
  std::int64_t records_in_txn_ = 0;
};

result<stream_index> stream_index::open(const std::filesystem::path& dir,
                                        const stream_index_options& opts) {
  CAIRN_ASSERT(opts.map_size_bytes <= opts.map_size_bytes_max, "map size above its maximum");
  CAIRN_ASSERT(opts.chunk_records > 0, "chunk_records must be positive");
  // MDB_NOSYNC | MDB_WRITEMAP: the index is derived state, rebuilt from the log by catch_up(),
  // so it pays for no fsync per commit and writes pages in place (no copy, no pwrite at commit:
  // measured 1.7x faster apply). After a process crash the shared map's pages are in the page
  // cache and survive. After an OS crash they may be torn, which the boot id and state keys
  // below detect: an index that was dirty when the machine restarted is emptied and rebuilt.
  CAIRN_TRY(auto e, lmdb::env::open(dir, {.map_size_bytes = opts.map_size_bytes,
                                          .max_dbs = 3,
                                          .flags = MDB_NOSYNC | MDB_WRITEMAP}));
  stream_index index(std::move(e), opts);
  CAIRN_TRY(auto t, lmdb::txn::begin_write(index.env_));
  CAIRN_TRY(index.streams_, t.open_dbi("streams", MDB_CREATE));
  CAIRN_TRY(index.versions_, t.open_dbi("versions", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED));
  CAIRN_TRY(index.meta_, t.open_dbi("meta", MDB_CREATE));
  CAIRN_TRY(auto format, t.get(index.meta_, kFormatKey));
  CAIRN_TRY(auto stored_boot_id, t.get(index.meta_, kBootIdKey));
  CAIRN_TRY(auto state, t.get(index.meta_, kStateKey));
  const std::string boot_id = current_boot_id();
  const bool restarted = !stored_boot_id || boot_id.empty() || *stored_boot_id != boot_id;
  const bool untrusted = format && restarted && state != kStateClean;
  if (untrusted) {
    spdlog::warn("{}: stream index was being written when the machine restarted; rebuilding",
                 dir.string());
  }
  if (!format || *format != std::string_view(&kFormat, 1) || untrusted) {
    // New, or written by another format: start empty, catch_up() rebuilds.
    CAIRN_TRY(t.clear(index.streams_));
    CAIRN_TRY(t.clear(index.versions_));
    CAIRN_TRY(t.clear(index.meta_));
    CAIRN_TRY(t.put(index.meta_, kFormatKey, std::string_view(&kFormat, 1)));
  }
  CAIRN_TRY(t.put(index.meta_, kBootIdKey, boot_id));
  CAIRN_TRY(t.commit());
  CAIRN_TRY(index.mark_dirty());
  return index;
}

result<void> stream_index::mark_dirty() {
  if (dirty_marked_) return success();
  // Durable before any page of the writes that follow can be: an OS crash after this finds
  // "dirty" and rebuilds.
  CAIRN_TRY(auto t, lmdb::txn::begin_write(env_));
  CAIRN_TRY(t.put(meta_, kStateKey, kStateDirty));
  CAIRN_TRY(t.commit());
  CAIRN_TRY(env_.sync());
  dirty_marked_ = true;
  return success();
}

result<void> stream_index::check_key(std::string_view key) const {
  if (key.empty()) return errc::invalid_argument;
  if (key.size() > max_key_size_bytes_) return errc::stream_key_too_long;
  return success();
}

bool stream_index::grow_map() {
  const std::size_t current = env_.map_size_bytes();
  if (current >= options_.map_size_bytes_max) return false;
  const std::size_t next = std::min(current * 2, options_.map_size_bytes_max);
  return env_.set_map_size(next).has_value();
}

result<apply_stats> stream_index::apply(std::span<const record_batch_view> batches) {
  if (batches.empty()) return apply_stats{};
  CAIRN_TRY(mark_dirty());
  for (;;) {
    apply_stats stats;
    auto attempt = [&]() -> result<void> {
      writer w(*this);
      CAIRN_TRY(w.begin());
      for (const auto& batch : batches) {
        CAIRN_TRY(w.add(batch, stats));
      }
      return w.commit();
    };
    auto done = attempt();
    if (done) return stats;
    // The writer aborted its txn when it went out of scope: the map may be resized now.
    if (done.error() == lmdb::condition::map_full && grow_map()) continue;
    return done.error();
  }
}

result<apply_stats> stream_index::replay(const batch_source& source) {
  CAIRN_TRY(mark_dirty());
  apply_stats total;
  for (;;) {
    CAIRN_TRY(auto from, applied_offset());
    apply_stats chunk;
    auto attempt = [&]() -> result<void> {
      writer w(*this);
      CAIRN_TRY(w.begin());
      CAIRN_TRY(source(from, [&](const record_batch_view& batch) -> result<void> {
        CAIRN_TRY(w.add(batch, chunk));
        if (w.records_in_txn() >= options_.chunk_records) {
          CAIRN_TRY(w.commit());
          total += std::exchange(chunk, {});
          CAIRN_TRY(w.begin());
        }
        return success();
      }));
      CAIRN_TRY(w.commit());
      total += std::exchange(chunk, {});
      return success();
    };
    auto done = attempt();
    if (done) return total;
    // Committed chunks stay; resume after the last of them with a larger map.
    if (done.error() == lmdb::condition::map_full && grow_map()) continue;
    return done.error();
  }
}

result<std::optional<stream_version>> stream_index::current_version(std::string_view key) const {
  CAIRN_TRY(check_key(key));
  CAIRN_TRY(auto t, lmdb::txn::begin_read(env_));
  CAIRN_TRY(auto stored, t.get(streams_, key));
  if (!stored) return std::optional<stream_version>{};
  CAIRN_TRY(auto version, decode_version(*stored));
  return std::optional<stream_version>{version};
}

result<std::vector<stream_entry>> stream_index::offsets(std::string_view key,
                                                        stream_version from_version,
                                                        stream_version to_version_exclusive,
                                                        std::size_t max_count) const {
  CAIRN_TRY(check_key(key));
  if (from_version.value() < 0) return errc::invalid_argument;
  std::vector<stream_entry> out;
  if (to_version_exclusive <= from_version || max_count == 0) return out;
  // Bounded: max_count may come from a client.
  out.reserve(std::min<std::size_t>(
      {max_count, 1024, static_cast<std::size_t>(to_version_exclusive - from_version)}));

  CAIRN_TRY(auto t, lmdb::txn::begin_read(env_));
  CAIRN_TRY(auto c, lmdb::cursor::open(t, versions_));
  // The first pair >= (from_version, 0) among the key's duplicates.
  auto probe = encode_entry(from_version, 0);
  CAIRN_TRY(auto at, c.seek(MDB_GET_BOTH_RANGE, key, view(probe)));
  while (at && out.size() < max_count) {
    CAIRN_TRY(auto e, decode_entry(at->value));
    if (e.version >= to_version_exclusive) break;
    out.push_back(e);
    CAIRN_TRY(at, c.seek(MDB_NEXT_DUP));
  }
  return out;
}

result<std::int64_t> stream_index::applied_offset() const {
  CAIRN_TRY(auto t, lmdb::txn::begin_read(env_));
  return read_applied_offset(t, meta_);
}

result<void> stream_index::reset() {
  CAIRN_TRY(auto t, lmdb::txn::begin_write(env_));
  CAIRN_TRY(t.clear(streams_));
  CAIRN_TRY(t.clear(versions_));
  CAIRN_TRY(t.del(meta_, kAppliedOffsetKey));
  return t.commit();
}

result<apply_stats> stream_index::rebuild(const batch_source& source) {
  CAIRN_TRY(reset());
  return replay(source);
}

result<apply_stats> stream_index::catch_up(const batch_source& source,
                                           std::int64_t log_end_offset) {
  CAIRN_TRY(auto applied, applied_offset());
  if (applied > log_end_offset) return rebuild(source);
  if (applied == log_end_offset) return apply_stats{};
  return replay(source);
}

result<void> stream_index::flush() {
  // Pages first, then the promise that they are on disk, then that promise itself.
  CAIRN_TRY(env_.sync());
  CAIRN_TRY(auto t, lmdb::txn::begin_write(env_));
  CAIRN_TRY(t.put(meta_, kStateKey, kStateClean));
  CAIRN_TRY(t.commit());
  CAIRN_TRY(env_.sync());
  dirty_marked_ = false;
  return success();
}

result<stream_index_dump> stream_index::dump() const {
  stream_index_dump out;
  CAIRN_TRY(auto t, lmdb::txn::begin_read(env_));
  CAIRN_TRY(out.applied_offset, read_applied_offset(t, meta_));
  CAIRN_TRY(auto streams, lmdb::cursor::open(t, streams_));
  CAIRN_TRY(auto versions, lmdb::cursor::open(t, versions_));
  CAIRN_TRY(auto s, streams.seek(MDB_FIRST));
  while (s) {
    CAIRN_TRY(auto current, decode_version(s->value));
    stream_dump stream{std::string(s->key), current, {}};
    CAIRN_TRY(auto v, versions.seek(MDB_SET_KEY, s->key));
    while (v) {
      CAIRN_TRY(auto e, decode_entry(v->value));
      stream.entries.push_back(e);
      CAIRN_TRY(v, versions.seek(MDB_NEXT_DUP));
    }
    out.streams.push_back(std::move(stream));
    CAIRN_TRY(s, streams.seek(MDB_NEXT));
  }
  return out;
}

}  // namespace cairn::eventstore
