#include "cairn/lmdb/txn.h"

#include <utility>

#include "cairn/base/assert.h"

namespace cairn::lmdb {
namespace {

result<txn> begin(const env& e, unsigned flags, txn (*make)(MDB_txn*)) {
  CAIRN_ASSERT(e.get() != nullptr, "use of a moved-from lmdb::env");
  MDB_txn* raw = nullptr;
  if (int rc = mdb_txn_begin(e.get(), nullptr, flags, &raw); rc != MDB_SUCCESS) {
    return make_error(call::txn_begin, rc);
  }
  return make(raw);
}

}  // namespace

result<txn> txn::begin_read(const env& e) {
  return begin(e, MDB_RDONLY, [](MDB_txn* t) { return txn(t, true); });
}

result<txn> txn::begin_write(const env& e) {
  return begin(e, 0, [](MDB_txn* t) { return txn(t, false); });
}

txn::txn(txn&& other) noexcept
    : txn_(std::exchange(other.txn_, nullptr)),
      read_only_(other.read_only_),
      cursors_open_(other.cursors_open_) {
  CAIRN_ASSERT(cursors_open_ == 0, "moving an lmdb::txn with {} open cursors", cursors_open_);
}

txn& txn::operator=(txn&& other) noexcept {
  if (this != &other) {
    CAIRN_ASSERT(other.cursors_open_ == 0, "moving an lmdb::txn with open cursors");
    abort();
    txn_ = std::exchange(other.txn_, nullptr);
    read_only_ = other.read_only_;
  }
  return *this;
}

txn::~txn() {
  CAIRN_ASSERT(cursors_open_ == 0, "lmdb::txn destroyed with {} open cursors", cursors_open_);
  abort();
}

result<void> txn::commit() {
  CAIRN_ASSERT(txn_ != nullptr, "commit of an ended lmdb::txn");
  CAIRN_ASSERT(cursors_open_ == 0, "commit of an lmdb::txn with {} open cursors", cursors_open_);
  // mdb_txn_commit frees the txn whether or not it succeeds.
  int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  if (rc != MDB_SUCCESS) return make_error(call::txn_commit, rc);
  return success();
}

void txn::abort() {
  if (txn_ == nullptr) return;
  CAIRN_ASSERT(cursors_open_ == 0, "abort of an lmdb::txn with {} open cursors", cursors_open_);
  mdb_txn_abort(std::exchange(txn_, nullptr));
}

result<dbi> txn::open_dbi(const std::string& name, unsigned flags) {
  CAIRN_ASSERT(txn_ != nullptr, "use of an ended lmdb::txn");
  MDB_dbi handle = 0;
  if (int rc = mdb_dbi_open(txn_, name.c_str(), flags, &handle); rc != MDB_SUCCESS) {
    return make_error(call::dbi_open, rc);
  }
  return dbi(handle);
}

result<std::optional<std::string_view>> txn::get(dbi db, std::string_view key) const {
  CAIRN_ASSERT(txn_ != nullptr, "use of an ended lmdb::txn");
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_get(txn_, db.get(), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>{};
  if (rc != MDB_SUCCESS) return make_error(call::get, rc);
  return std::optional<std::string_view>{to_view(v)};
}

result<void> txn::put(dbi db, std::string_view key, std::string_view value, unsigned flags) {
  CAIRN_ASSERT(txn_ != nullptr, "use of an ended lmdb::txn");
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  if (int rc = mdb_put(txn_, db.get(), &k, &v, flags); rc != MDB_SUCCESS) {
    return make_error(call::put, rc);
  }
  return success();
}

result<bool> txn::del(dbi db, std::string_view key, std::optional<std::string_view> value) {
  CAIRN_ASSERT(txn_ != nullptr, "use of an ended lmdb::txn");
  MDB_val k = to_val(key);
  MDB_val v{};
  if (value) v = to_val(*value);
  int rc = mdb_del(txn_, db.get(), &k, value ? &v : nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return make_error(call::del, rc);
  return true;
}

result<void> txn::clear(dbi db) {
  CAIRN_ASSERT(txn_ != nullptr, "use of an ended lmdb::txn");
  if (int rc = mdb_drop(txn_, db.get(), 0); rc != MDB_SUCCESS) return make_error(call::drop, rc);
  return success();
}

}  // namespace cairn::lmdb
