// The process engine's core: inputs and timeouts applied in write txns, the outbox's
// bookkeeping, queries. No network; the consumer loop and the dispatch are in engine_live.cc.
#include <algorithm>
#include <chrono>

#include "cairn/es/process_manager_engine.h"
#include "cairn/base/assert.h"
#include "sdk/es/process/engine_impl.h"
#include "sdk/es/projection_checkpoint.h"

namespace cairn::es {

namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string record_cause(const consumer_record& r) {
  return r.topic + "/" + std::to_string(r.partition) + "/" + std::to_string(r.offset);
}

std::string timeout_cause(const process_timeout& t) {
  return "timeout/" + t.name + "/" + std::to_string(t.due_ms);
}

}  // namespace

result<std::unique_ptr<process_engine>> process_engine::open(process_options options,
                                                             process_hooks hooks,
                                                             process_dispatch dispatch) {
  CAIRN_ASSERT(hooks.route && hooks.on_timeout, "process {}: hooks missing", options.name);
  // The name is part of every message id: without it two processes would emit the same ids.
  if (options.name.empty()) return std::make_error_code(std::errc::invalid_argument);
  if (!options.clock) options.clock = system_now_ms;
  options.env.max_dbs = std::max(options.env.max_dbs, process_store::dbs_needed);
  CAIRN_TRY(auto env, lmdb::env::open(options.dir, options.env));
  CAIRN_TRY(auto dbs, process_store::open_dbs(env));
  auto state = std::make_unique<impl>(impl{std::move(env), dbs});
  return std::unique_ptr<process_engine>(new process_engine(std::move(options), std::move(hooks),
                                                            std::move(dispatch), std::move(state)));
}

process_engine::process_engine(process_options options, process_hooks hooks,
                               process_dispatch dispatch, std::unique_ptr<impl> state)
    : options_(std::move(options)),
      hooks_(std::move(hooks)),
      dispatch_(std::move(dispatch)),
      impl_(std::move(state)) {}

process_engine::~process_engine() = default;

result<std::size_t> process_engine::apply_batch(const std::vector<consumer_record>& records) {
  if (records.empty()) return std::size_t{0};
  const std::int64_t now = options_.clock();
  const auto& d = impl_->dbs;
  std::vector<std::uint64_t> written;
  std::size_t applied = 0;
  {
    CAIRN_TRY(auto t, lmdb::txn::begin_write(impl_->env));
    // Checkpoints are read inside the write txn: LMDB has one writer, so nothing moves them
    // between this read and the commit.
    std::map<topic_partition, std::int64_t> next;
    for (const auto& r : records) {
      topic_partition tp{r.topic, r.partition};
      auto it = next.find(tp);
      if (it == next.end()) {
        CAIRN_TRY(auto n, checkpoint::load(t, d.checkpoint, tp));
        it = next.emplace(std::move(tp), n).first;
      }
      if (r.offset < it->second) continue;  // applied before: re-delivered
      it->second = r.offset + 1;
      CAIRN_TRY(auto routed, hooks_.route(r));
      if (!routed) continue;  // not for this process manager
      if (!process_store::valid_id(routed->instance)) return process_errc::bad_instance_id;
      // Reads see this txn's own writes: a second record of one instance in the batch reacts
      // to the state the first one left.
      CAIRN_TRY(auto inst, process_store::load_instance(t, d, routed->instance));
      if (inst.status == instance_status::finished) continue;  // a late input: the instance ended
      std::optional<std::string_view> state;
      if (inst.status == instance_status::live) state = inst.state_json;
      CAIRN_TRY(auto step, routed->react(state));
      CAIRN_TRY(auto seqs, process_store::write_step(t, d, options_.name, routed->instance,
                                                     record_cause(r), now, std::move(step)));
      written.insert(written.end(), seqs.begin(), seqs.end());
      ++applied;
    }
    for (const auto& [tp, n] : next) {
      CAIRN_TRY(checkpoint::store(t, d.checkpoint, tp, n));
    }
    CAIRN_TRY(t.commit());
  }
  committed(written);
  return applied;
}

result<std::size_t> process_engine::fire_due_timeouts() {
  const auto& d = impl_->dbs;
  std::size_t fired = 0;
  while (fired < options_.timeouts_per_round_max) {
    const std::int64_t now = options_.clock();
    std::vector<std::uint64_t> written;
    {
      CAIRN_TRY(auto t, lmdb::txn::begin_write(impl_->env));
      CAIRN_TRY(auto first, process_store::first_timeout(t, d));
      if (!first || first->due_ms > now) break;
      const process_timeout& due = *first;
      CAIRN_TRY(auto removed, process_store::cancel_timeout(t, d, due.instance, due.name));
      CAIRN_ASSERT(removed, "due timeout {}/{} has no name entry", due.instance, due.name);
      CAIRN_TRY(auto inst, process_store::load_instance(t, d, due.instance));
      // Finishing drops an instance's timeouts in the same txn, so a timeout of a finished
      // instance cannot be found here; dropping it anyway keeps a foreign store from looping.
      if (inst.status == instance_status::live) {
        CAIRN_TRY(auto step, hooks_.on_timeout(inst.state_json, due));
        CAIRN_TRY(written, process_store::write_step(t, d, options_.name, due.instance,
                                                     timeout_cause(due), now, std::move(step)));
      }
      CAIRN_TRY(t.commit());
    }
    ++fired;
    committed(written);
  }
  return fired;
}

result<std::optional<std::int64_t>> process_engine::next_due_ms() const {
  CAIRN_TRY(auto t, lmdb::txn::begin_read(impl_->env));
  CAIRN_TRY(auto first, process_store::first_timeout(t, impl_->dbs));
  if (!first) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{first->due_ms};
}

void process_engine::committed(const std::vector<std::uint64_t>& seqs) {
  fresh_.insert(seqs.begin(), seqs.end());
  if (options_.on_committed) options_.on_committed();
}

result<std::vector<process_message>> process_engine::pending(std::size_t max,
                                                             std::vector<std::uint64_t>& seqs) {
  CAIRN_TRY(auto t, lmdb::txn::begin_read(impl_->env));
  CAIRN_TRY(auto entries, process_store::load_outbox(t, impl_->dbs, max));
  std::vector<process_message> out;
  seqs.clear();
  for (auto& e : entries) {
    // Only an entry this process wrote and never tried is certainly unsent (see tried()).
    e.message.maybe_sent = !fresh_.contains(e.seq);
    seqs.push_back(e.seq);
    out.push_back(std::move(e.message));
  }
  return out;
}

void process_engine::tried(std::uint64_t seq) {
  // Whether the send succeeds or not, the message may be out now.
  fresh_.erase(seq);
}

result<void> process_engine::acknowledge(const std::vector<std::uint64_t>& seqs) {
  if (seqs.empty()) return success();
  CAIRN_TRY(auto t, lmdb::txn::begin_write(impl_->env));
  for (auto seq : seqs) {
    CAIRN_TRY(process_store::delete_outbox(t, impl_->dbs, seq));
  }
  return t.commit();
}

result<instance_record> process_engine::instance(std::string_view id) const {
  CAIRN_TRY(auto t, lmdb::txn::begin_read(impl_->env));
  return process_store::load_instance(t, impl_->dbs, id);
}

result<std::vector<process_message>> process_engine::outbox() const {
  CAIRN_TRY(auto t, lmdb::txn::begin_read(impl_->env));
  CAIRN_TRY(auto entries, process_store::load_outbox(t, impl_->dbs, SIZE_MAX));
  std::vector<process_message> out;
  for (auto& e : entries)
    out.push_back(std::move(e.message));
  return out;
}

result<std::vector<process_timeout>> process_engine::timeouts() const {
  CAIRN_TRY(auto t, lmdb::txn::begin_read(impl_->env));
  return process_store::all_timeouts(t, impl_->dbs);
}

result<std::map<topic_partition, std::int64_t>> process_engine::checkpoints() const {
  CAIRN_TRY(auto t, lmdb::txn::begin_read(impl_->env));
  return checkpoint::load_all(t, impl_->dbs.checkpoint);
}

}  // namespace cairn::es
