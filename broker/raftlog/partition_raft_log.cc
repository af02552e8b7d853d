#include "broker/raftlog/partition_raft_log.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <span>

#include "broker/raftlog/errc.h"
#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "eventstore/log/file.h"
#include "eventstore/record/control_batch.h"

namespace cairn::raftlog {
namespace {

namespace es = cairn::eventstore;
namespace fs = std::filesystem;

// See the header: an I/O failure under a void raft::log call stops the broker.
[[noreturn]] void halt(const std::string& dir, const char* what, const std::error_code& ec) {
  spdlog::critical(
      "{}: raft log: {} failed: {}; halting (a Raft log must not run on after a "
      "failed write)",
      dir, what, ec.message());
  spdlog::default_logger()->flush();
  std::abort();
}

raft::term_id term_of(const es::batch_header& h) {
  // A batch written before the partition was replicated carries -1 ("no epoch"): term 0.
  return raft::term_id{std::max<std::int64_t>(h.partition_leader_epoch, 0)};
}

raft::configuration config_of(const es::control_record& r) {
  raft::configuration c;
  for (std::int32_t id : r.voters)
    c.voters.push_back(raft::node_id{id});
  for (std::int32_t id : r.learners)
    c.learners.push_back(raft::node_id{id});
  return c;
}

es::control_record control_of(raft::entry_kind kind, const raft::configuration& c) {
  es::control_record r;
  r.type = kind == raft::entry_kind::config ? es::control_type::raft_config
                                            : es::control_type::raft_noop;
  for (raft::node_id id : c.voters)
    r.voters.push_back(id.value());
  for (raft::node_id id : c.learners)
    r.learners.push_back(id.value());
  return r;
}

// The kind (and configuration) a stored batch stands for.
result<std::pair<raft::entry_kind, raft::configuration>> kind_of(const es::record_batch_view& v) {
  if (!es::is_control_batch(v.header())) {
    return std::pair{raft::entry_kind::data, raft::configuration{}};
  }
  CAIRN_TRY(auto record, es::decode_control_batch(v));
  if (record.type == es::control_type::raft_noop) {
    return std::pair{raft::entry_kind::noop, raft::configuration{}};
  }
  return std::pair{raft::entry_kind::config, config_of(record)};
}

// `bytes` is exactly the batch `e` describes (offsets and term stamped).
result<es::record_batch_view> check_bytes(std::string_view bytes, const raft::entry& e,
                                          std::int32_t batch_bytes_max) {
  CAIRN_TRY(auto view, es::record_batch_view::parse(bytes, batch_bytes_max));
  if (view.size_bytes() != bytes.size()) return es::errc::batch_length_invalid;
  if (view.base_offset() != e.base_offset.value() || view.last_offset() != e.last_offset.value() ||
      term_of(view.header()) != e.term) {
    return es::errc::invalid_argument;
  }
  CAIRN_TRY(auto kind, kind_of(view));
  if (kind.first != e.kind) return es::errc::invalid_argument;
  if (e.kind == raft::entry_kind::config && kind.second != e.config) {
    return es::errc::invalid_argument;
  }
  return view;
}

result<std::string> read_file(const std::string& path) {
  CAIRN_TRY(auto f, es::file::open(path, es::file::mode::read_only));
  CAIRN_TRY(auto size, f.size());
  // Both files are a few hundred bytes; a huge one is corrupt, not a reason to allocate.
  if (size > (64 << 20)) return errc::state_file_corrupt;
  std::string bytes(static_cast<std::size_t>(size), '\0');
  CAIRN_TRY(auto n, f.pread(0, bytes.data(), bytes.size()));
  if (n != bytes.size()) return errc::state_file_corrupt;
  return bytes;
}

}  // namespace

partition_raft_log::partition_raft_log(broker::partition& p, partition_raft_log_options opts)
    : partition_(p), options_(std::move(opts)), dir_(p.log().dir()) {}

result<std::unique_ptr<partition_raft_log>> partition_raft_log::open(
    broker::partition& p, partition_raft_log_options opts) {
  if (!p.replicated()) return errc::not_replicated;
  std::unique_ptr<partition_raft_log> log(new partition_raft_log(p, std::move(opts)));
  const std::string& dir = log->dir_;
  std::error_code ec;

  const std::string hard_state_path = (fs::path(dir) / kHardStateFileName).string();
  if (fs::exists(hard_state_path, ec)) {
    CAIRN_TRY(auto bytes, read_file(hard_state_path));
    auto hs = decode_hard_state(bytes);
    if (!hs) {
      spdlog::error("{}: cannot load the Raft hard state: {}", hard_state_path,
                    hs.error().message());
      return hs.error();
    }
    log->hard_state_ = hs.value();
  }

  const std::string state_path = (fs::path(dir) / kLogStateFileName).string();
  std::optional<log_state> stored;
  if (fs::exists(state_path, ec)) {
    CAIRN_TRY(auto bytes, read_file(state_path));
    auto decoded = log_state::decode(bytes);
    if (!decoded) {
      spdlog::error("{}: cannot load the Raft log state: {}", state_path,
                    decoded.error().message());
      return decoded.error();
    }
    stored = std::move(decoded).value();
  }

  // The Raft log starts at the first stored batch; DeleteRecords may have set the partition's
  // log start inside it (advance_log_start).
  const std::int64_t start = p.log().stored_start_offset();
  log_state base;
  if (stored && stored->base().value() > start) {
    // Only reset() records a base above the log start, and it does so before resetting the log:
    // a crash stopped it part way. Finish it.
    spdlog::warn("{}: finishing an interrupted Raft log reset to {}", dir, stored->base());
    CAIRN_TRY(p.reset_replicated(stored->base().value()));
    base = log_state(stored->base(), stored->base_term(), stored->base_config());
  } else if (stored) {
    base = *stored;
    base.advance_base(raft::log_offset{start});  // retention may have run after the last write
    base = log_state(base.base(), base.base_term(), base.base_config());
  } else if (start == 0) {
    // A new log, or one from before replication: term 0 is the term of offset -1.
    if (p.log_end_offset() > 0) {
      spdlog::warn("{}: no Raft log state; assuming the bootstrap configuration at offset 0", dir);
    }
    base = log_state(raft::log_offset{0}, raft::term_id{0}, log->options_.bootstrap);
  } else {
    // Retention ran but the state file is gone: the term of start - 1 is lost. The first
    // retained batch's term is the best bound (a leader's term never decreases along the log);
    // a mismatch with the leader makes it install this replica again.
    CAIRN_TRY(auto first, p.log().header_at(start));
    raft::term_id guess = first ? term_of(*first) : raft::term_id{0};
    spdlog::warn(
        "{}: no Raft log state above start {}: assuming term {} and the bootstrap "
        "configuration there",
        dir, start, guess);
    base = log_state(raft::log_offset{start}, guess, log->options_.bootstrap);
  }

  CAIRN_TRY(log->state_, log->rebuild(std::move(base)));
  if (!stored || !(*stored == log->state_)) {
    if (stored) {
      // Expected after a crash that lost an unflushed tail (the file runs ahead of the log) or
      // after retention; anything else is worth a look.
      spdlog::info("{}: Raft log state rebuilt from batch headers ({} epochs, {} configs)", dir,
                   log->state_.epochs().size(), log->state_.configs().size());
    }
    CAIRN_TRY(log->persist_state());
  }
  return log;
}

result<log_state> partition_raft_log::rebuild(log_state state) const {
  const es::partition_log& log = partition_.log();
  std::vector<raft::log_offset> config_offsets;
  CAIRN_TRY(log.scan_headers(log.start_offset(), [&](const es::batch_header& h) -> result<void> {
    raft::term_id term = term_of(h);
    raft::term_id last = state.term_at(raft::log_offset{h.base_offset} - 1);
    // A log whose terms go down is not a Raft log (a hand-edited or foreign directory).
    if (term < last) return errc::state_file_corrupt;
    state.note_batch(term, raft::log_offset{h.base_offset});
    if (es::is_control_batch(h)) config_offsets.push_back(raft::log_offset{h.base_offset});
    return success();
  }));
  // Control batches are rare (one per term and per membership change): read each one.
  for (raft::log_offset o : config_offsets) {
    CAIRN_TRY(auto chunk, log.read(o.value(), 1));
    CAIRN_TRY(auto bytes, chunk.range.read());
    CAIRN_TRY(auto view, es::record_batch_view::parse(bytes, options_.batch_bytes_max));
    CAIRN_TRY(auto kind, kind_of(view));
    if (kind.first == raft::entry_kind::config) state.note_config(o, std::move(kind.second));
  }
  return state;
}

result<void> partition_raft_log::persist_state() {
  return es::write_file_atomically((fs::path(dir_) / kLogStateFileName).string(), state_.encode());
}

std::int64_t partition_raft_log::now_ms() const {
  if (options_.clock_ms) return options_.clock_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- raft::log ---------------------------------------------------------------------------------

raft::log_offset partition_raft_log::start_offset() const {
  return raft::log_offset{partition_.log().stored_start_offset()};
}

raft::log_offset partition_raft_log::end_offset() const {
  return raft::log_offset{partition_.log_end_offset()};
}

raft::term_id partition_raft_log::term_at(raft::log_offset o) const {
  CAIRN_ASSERT(o >= start_offset() - 1 && o < end_offset(), "term_at {} outside [{}, {})", o,
               start_offset() - 1, end_offset());
  return state_.term_at(o);
}

raft::batch_info partition_raft_log::batch_at(raft::log_offset o) const {
  CAIRN_ASSERT(o >= start_offset() && o < end_offset(), "batch_at {} outside [{}, {})", o,
               start_offset(), end_offset());
  auto header = partition_.log().header_at(o.value());
  if (!header) halt(dir_, "batch_at", header.error());
  // Replicated logs keep every batch boundary (compaction too), so a batch holds `o`.
  const std::optional<es::batch_header>& found = header.value();
  CAIRN_ASSERT(found.has_value() && found->base_offset <= o.value(), "no batch holds offset {}", o);
  const es::batch_header& h = *found;
  raft::batch_info info{raft::log_offset{h.base_offset}, raft::log_offset{h.last_offset()},
                        state_.term_at(o)};
  CAIRN_ASSERT(info.term == term_of(h), "epoch cache says term {} at {}, the batch says {}",
               info.term, o, term_of(h));
  return info;
}

std::vector<raft::entry> partition_raft_log::read(raft::log_offset from,
                                                  std::size_t batches_max) const {
  std::vector<raft::entry> out;
  const raft::log_offset end = end_offset();
  CAIRN_ASSERT(from >= start_offset() && from <= end, "read at {} outside [{}, {}]", from,
               start_offset(), end);
  raft::log_offset at = from;
  while (at < end && out.size() < batches_max) {
    auto chunk = partition_.log().read_stored(at.value(), 1);
    if (!chunk) halt(dir_, "read", chunk.error());
    auto bytes = chunk.value().range.read();
    if (!bytes) halt(dir_, "read", bytes.error());
    auto parsed =
        es::record_batch_view::parse(bytes.value(), std::numeric_limits<std::int32_t>::max());
    if (!parsed) halt(dir_, "read (a stored batch no longer parses)", parsed.error());
    const es::record_batch_view view = parsed.value();
    CAIRN_ASSERT(view.base_offset() == at.value(), "read at {}: not a batch boundary (batch {})",
                 at, view.base_offset());
    auto kind = kind_of(view);
    if (!kind) halt(dir_, "read (a stored control batch does not decode)", kind.error());
    raft::entry e{.base_offset = at,
                  .last_offset = raft::log_offset{view.last_offset()},
                  .term = term_of(view.header()),
                  .kind = kind.value().first,
                  .config = std::move(kind.value().second),
                  .records = std::move(bytes).value()};
    at = e.end_offset();
    out.push_back(std::move(e));
  }
  return out;
}

raft::configuration partition_raft_log::config_at(raft::log_offset o) const {
  CAIRN_ASSERT(o >= start_offset() && o <= end_offset(), "config_at {} outside [{}, {}]", o,
               start_offset(), end_offset());
  return state_.config_at(o);
}

std::string partition_raft_log::batch_bytes_for(const raft::entry& e) const {
  CAIRN_ASSERT(e.term.value() >= 0 && e.term.value() <= std::numeric_limits<std::int32_t>::max(),
               "term {} does not fit partitionLeaderEpoch", e.term);
  std::string bytes;
  if (e.kind == raft::entry_kind::data || !e.records.empty()) {
    // A leader's proposal (the client's batch, offsets not assigned yet) or a batch as the
    // leader stored it.
    bytes = e.records;
  } else {
    bytes = es::build_control_batch(
        control_of(e.kind, e.config),
        {.base_offset = e.base_offset.value(),
         .partition_leader_epoch = static_cast<std::int32_t>(e.term.value()),
         .timestamp_ms = now_ms(),
         .log_append_time = partition_.timestamp_type() == es::timestamp_type::log_append_time});
  }
  CAIRN_ASSERT(bytes.size() >= es::batch_layout::kHeaderSize, "entry [{}, {}] of {} bytes",
               e.base_offset, e.last_offset, bytes.size());
  // Both outside the CRC: no re-encoding, the client's CRC still holds.
  es::stamp_base_offset(bytes, e.base_offset.value());
  es::stamp_partition_leader_epoch(bytes, static_cast<std::int32_t>(e.term.value()));
  return bytes;
}

void partition_raft_log::append(const raft::entry& e) {
  CAIRN_ASSERT(e.base_offset == end_offset(), "append at {} to a log ending at {}", e.base_offset,
               end_offset());
  std::string bytes = batch_bytes_for(e);
  // Proposals were validated by partition::append and network entries by check_entry() in the
  // transport: a failure here is a bug, not bad input.
  auto view = check_bytes(bytes, e, options_.batch_bytes_max);
  CAIRN_ASSERT(view.has_value(), "entry [{}, {}] term {} kind {} does not match its bytes: {}",
               e.base_offset, e.last_offset, e.term, static_cast<int>(e.kind),
               view.error().message());
  bool changed = state_.note_batch(e.term, e.base_offset);
  if (e.kind == raft::entry_kind::config) {
    state_.note_config(e.base_offset, e.config);
    changed = true;
  }
  // Before the batch: the state file may run ahead of the log (open trims it), never behind.
  if (changed) {
    auto persisted = persist_state();
    if (!persisted) halt(dir_, "writing the log state", persisted.error());
  }
  auto appended = partition_.append_replicated(bytes, view.value());
  if (!appended) halt(dir_, "append", appended.error());
  CAIRN_ASSERT(appended.value().base_offset == e.base_offset.value() &&
                   appended.value().last_offset == e.last_offset.value(),
               "entry [{}, {}] appended at [{}, {}]", e.base_offset, e.last_offset,
               appended.value().base_offset, appended.value().last_offset);
}

void partition_raft_log::truncate(raft::log_offset from) {
  CAIRN_ASSERT(from >= start_offset(), "truncate at {} below the start {}", from, start_offset());
  if (from >= end_offset()) return;
  auto truncated = partition_.truncate_replicated(from.value());
  if (!truncated) halt(dir_, "truncate", truncated.error());
  CAIRN_ASSERT(end_offset() == from, "truncate at {} left the end at {} (not a batch boundary)",
               from, end_offset());
  if (state_.truncate_from(from)) {
    auto persisted = persist_state();
    if (!persisted) halt(dir_, "writing the log state", persisted.error());
  }
}

void partition_raft_log::reset(raft::log_offset start, raft::term_id prev_term,
                               const raft::configuration& config) {
  state_ = log_state(start, prev_term, config);
  // First the state: a crash before the log is reset leaves a base above the log start, which
  // open() recognises and finishes.
  auto persisted = persist_state();
  if (!persisted) halt(dir_, "writing the log state", persisted.error());
  auto reset = partition_.reset_replicated(start.value());
  if (!reset) halt(dir_, "reset", reset.error());
}

void partition_raft_log::save_hard_state(const raft::hard_state& hs) {
  auto written = es::write_file_atomically((fs::path(dir_) / kHardStateFileName).string(),
                                           encode_hard_state(hs));
  if (!written) halt(dir_, "saving the hard state", written.error());
  hard_state_ = hs;
}

// ---- housekeeping ------------------------------------------------------------------------------

result<std::size_t> partition_raft_log::apply_retention(const es::retention_policy& policy) {
  CAIRN_TRY(auto deleted, partition_.log().apply_retention(policy, partition_.high_watermark()));
  if (deleted == 0) return deleted;
  // After the segments went: until the file is rewritten it still describes them, which open()
  // folds into the base just the same.
  state_.advance_base(start_offset());
  CAIRN_TRY(persist_state());
  return deleted;
}

result<std::int64_t> partition_raft_log::advance_log_start(std::int64_t offset) {
  if (offset < 0 || offset > partition_.high_watermark()) return es::errc::offset_out_of_range;
  const raft::log_offset before = start_offset();
  CAIRN_TRY(std::int64_t start, partition_.log().advance_start(offset));
  CAIRN_ASSERT(start_offset().value() <= start && start <= partition_.high_watermark(),
               "log start {} outside [raft start {}, high watermark {}]", start, start_offset(),
               partition_.high_watermark());
  if (start_offset() == before) return start;
  // As after retention: the segments went first, and open() folds a stale file forward alike.
  state_.advance_base(start_offset());
  CAIRN_TRY(persist_state());
  return start;
}

result<es::compaction_result> partition_raft_log::compact(broker::partition& p,
                                                          std::int64_t delete_retention_ms) {
  return p.log().compact({.delete_retention_ms = delete_retention_ms,
                          .end_max = p.high_watermark(),
                          .keep_batch_boundaries = true});
}

result<void> partition_raft_log::check_entry(const raft::entry& e, std::int32_t batch_bytes_max) {
  if (e.last_offset < e.base_offset || e.term.value() < 0 ||
      e.term.value() > std::numeric_limits<std::int32_t>::max()) {
    return es::errc::invalid_argument;
  }
  CAIRN_TRY(check_bytes(e.records, e, batch_bytes_max));
  return success();
}

}  // namespace cairn::raftlog
