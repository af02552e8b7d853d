// The read-model transaction: named databases over the LMDB wrapper, and key-range scans.
#include "cairn/es/read_model.h"

#include <lmdb.h>

#include "cairn/base/assert.h"

namespace cairn::es {

bool key_range::contains(std::string_view key) const {
  if (!key.starts_with(prefix)) return false;
  if (!from.empty() && key < std::string_view(from)) return false;
  if (!to.empty() && key >= std::string_view(to)) return false;
  return true;
}

result<std::optional<read_model_entry>> read_model_scan::next() {
  using none = std::optional<read_model_entry>;
  if (done_) return none{};
  std::optional<lmdb::entry> at;
  if (!started_) {
    started_ = true;
    // Start at the greater of `from` and `prefix`: every key of the range sorts at or after
    // both, so the cursor jumps there instead of walking from the first key.
    std::string_view start = range_.from < range_.prefix ? range_.prefix : range_.from;
    if (start.empty()) {
      CAIRN_TRY(at, cursor_.seek(MDB_FIRST));
    } else {
      CAIRN_TRY(at, cursor_.seek(MDB_SET_RANGE, start));
    }
  } else {
    CAIRN_TRY(at, cursor_.seek(MDB_NEXT));
  }
  // Keys come in order, so the first key past `to` or past the prefix ends the range.
  if (!at || !range_.contains(at->key)) {
    done_ = true;
    return none{};
  }
  return none{read_model_entry{at->key, at->value}};
}

result<std::optional<std::string_view>> read_model_db::get(std::string_view key) const {
  return txn_->get(dbi_, key);
}

result<bool> read_model_db::contains(std::string_view key) const {
  CAIRN_TRY(auto v, txn_->get(dbi_, key));
  return v.has_value();
}

result<void> read_model_db::put(std::string_view key, std::string_view value) {
  return txn_->put(dbi_, key, value);
}

result<void> read_model_db::append(std::string_view key, std::string_view value) {
  return txn_->put(dbi_, key, value, MDB_APPEND);
}

result<bool> read_model_db::erase(std::string_view key) {
  return txn_->del(dbi_, key);
}

result<std::size_t> read_model_db::erase(const key_range& range) {
  // Collected first: deleting under an open cursor would move it.
  CAIRN_TRY(auto doomed, keys(range));
  for (const auto& k : doomed) {
    CAIRN_TRY(txn_->del(dbi_, k));
  }
  return doomed.size();
}

result<void> read_model_db::clear() {
  return txn_->clear(dbi_);
}

result<std::size_t> read_model_db::size() const {
  MDB_stat st{};
  // mdb_stat fails only for an invalid txn or handle (EINVAL): a bug, not an operating error.
  int rc = mdb_stat(txn_->get(), dbi_.get(), &st);
  CAIRN_ASSERT(rc == MDB_SUCCESS, "mdb_stat on read model database '{}': {}", *name_, rc);
  return static_cast<std::size_t>(st.ms_entries);
}

result<read_model_scan> read_model_db::scan(key_range range) const {
  CAIRN_TRY(auto c, lmdb::cursor::open(*txn_, dbi_));
  return read_model_scan(std::move(c), std::move(range));
}

result<std::vector<std::string>> read_model_db::keys(const key_range& range,
                                                     std::size_t max) const {
  std::vector<std::string> out;
  CAIRN_TRY(for_each(range, [&](std::string_view k, std::string_view) {
    out.emplace_back(k);
    return out.size() < max;
  }));
  return out;
}

read_model_txn::read_model_txn(lmdb::txn& t, const std::vector<std::string>& names,
                               const std::vector<lmdb::dbi>& dbis)
    : txn_(t), names_(names), dbis_(dbis) {
  CAIRN_ASSERT(names_.size() == dbis_.size(), "{} database names for {} handles", names_.size(),
               dbis_.size());
}

std::optional<read_model_db> read_model_txn::try_db(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return read_model_db(txn_, dbis_[i], names_[i]);
  }
  return std::nullopt;
}

read_model_db read_model_txn::db(std::string_view name) const {
  auto d = try_db(name);
  CAIRN_ASSERT(d.has_value(),
               "read model database '{}' was not declared in projection_options::dbs", name);
  return *d;
}

}  // namespace cairn::es
