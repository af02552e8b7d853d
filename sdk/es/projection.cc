// The projection's core: generations, batches applied with their checkpoints, reads. No I/O
// besides LMDB; the consumer loop is in projection_live.cc, rebuild in projection_rebuild.cc.
#include "cairn/es/projection.h"

#include "cairn/base/assert.h"
#include "sdk/es/projection_checkpoint.h"
#include "sdk/es/projection_generation.h"

namespace cairn::es {

result<std::unique_ptr<projection>> projection::open(projection_options options,
                                                     projection_apply apply) {
  if (options.env.max_dbs < options.dbs.size() + 1) {
    return std::make_error_code(std::errc::invalid_argument);  // no room for the checkpoint db
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return ec;
  CAIRN_TRY(auto name, projection_files::read_current(options.dir));
  if (!name) {
    name = "gen-000001";
    CAIRN_TRY(projection_files::write_current(options.dir, *name));
  }
  // Leftovers of a rebuild that crashed before its switch, or of one switched away from.
  projection_files::remove_others(options.dir, *name);
  CAIRN_TRY(auto g, open_generation(options, *name));
  return std::unique_ptr<projection>(
      new projection(std::move(options), std::move(apply), std::move(g)));
}

projection::projection(projection_options options, projection_apply apply,
                       std::shared_ptr<generation> current)
    : options_(std::move(options)), apply_(std::move(apply)), current_(std::move(current)) {}

projection::~projection() = default;

std::shared_ptr<projection::generation> projection::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::filesystem::path projection::current_dir() const {
  return current()->env.path();
}

result<std::size_t> projection::apply_batch(const std::vector<consumer_record>& records) {
  auto g = current();  // a switch during the batch leaves it in the old generation: harmless
  return apply_to(*g, records);
}

result<std::size_t> projection::apply_to(generation& g,
                                         const std::vector<consumer_record>& records) {
  while (true) {
    auto applied = apply_once(g, records);
    if (applied || applied.error() != lmdb::condition::map_full) return applied;
    // The batch was rolled back whole: grow the map and apply it again.
    std::unique_lock no_txns(g.txns);
    std::size_t size = g.env.map_size_bytes();
    if (size >= options_.map_size_max_bytes) return applied;
    CAIRN_TRY(g.env.set_map_size(std::min(size * 2, options_.map_size_max_bytes)));
  }
}

result<std::size_t> projection::apply_once(generation& g,
                                           const std::vector<consumer_record>& records) {
  if (records.empty()) return std::size_t{0};
  std::shared_lock txn_open(g.txns);
  CAIRN_TRY(auto t, lmdb::txn::begin_write(g.env));
  // Checkpoints are read inside the write txn: LMDB has one writer, so no other batch can move
  // them between this read and the commit.
  std::map<topic_partition, std::int64_t> next;
  read_model_txn view(t, options_.dbs, g.dbs);
  std::size_t applied = 0;
  auto it = next.end();
  for (const auto& r : records) {
    // Polls return runs of one partition: skip the lookup (and the key's string copy) then.
    if (it == next.end() || it->first.partition != r.partition || it->first.topic != r.topic) {
      topic_partition tp{r.topic, r.partition};
      it = next.find(tp);
      if (it == next.end()) {
        CAIRN_TRY(auto n, checkpoint::load(t, g.checkpoints, tp));
        it = next.emplace(std::move(tp), n).first;
      }
    }
    if (r.offset < it->second) continue;  // already in the model: re-delivered
    CAIRN_TRY(apply_(view, r));
    it->second = r.offset + 1;
    ++applied;
  }
  for (const auto& [tp, n] : next) {
    CAIRN_TRY(checkpoint::store(t, g.checkpoints, tp, n));
  }
  CAIRN_TRY(t.commit());
  return applied;
}

result<std::map<topic_partition, std::int64_t>> projection::checkpoints() const {
  auto g = current();
  std::shared_lock txn_open(g->txns);
  CAIRN_TRY(auto t, lmdb::txn::begin_read(g->env));
  return checkpoint::load_all(t, g->checkpoints);
}

result<void> projection::read(const std::function<result<void>(read_model_txn&)>& f) const {
  auto g = current();  // keeps this generation open until the read ends
  std::shared_lock txn_open(g->txns);
  CAIRN_TRY(auto t, lmdb::txn::begin_read(g->env));
  read_model_txn view(t, options_.dbs, g->dbs);
  return f(view);
}

result<std::string> projection::dump() const {
  std::string out;
  auto done = read([&](read_model_txn& v) -> result<void> {
    for (const auto& name : v.db_names()) {
      CAIRN_TRY(v.db(name).for_each([&](std::string_view key, std::string_view value) {
        // Length-prefixed, so no key or value can fake a boundary.
        out += name + '\0' + std::to_string(key.size()) + ':';
        out += key;
        out += std::to_string(value.size()) + ':';
        out += value;
        out += '\n';
      }));
    }
    return success();
  });
  if (!done) return done.error();
  return out;
}

}  // namespace cairn::es
