// lmdb::txn: a read or write transaction, RAII (aborts in its destructor unless committed), plus
// lmdb::dbi, a handle to a named database.
//
// REQUIRES (LMDB): one transaction per thread at a time, used only by the thread that began it,
// never held across a suspension point. Cursors opened on a txn must be destroyed before the txn
// commits, aborts or is moved: LMDB frees a write txn's cursors itself, so a later
// mdb_cursor_close would be a double free. This is asserted (see cursor.h).
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/base/result.h"
#include "cairn/lmdb/env.h"
#include "cairn/lmdb/errc.h"

namespace cairn::lmdb {

// A database handle. Plain value: LMDB handles live as long as the environment. Open each
// database once at startup in a write txn that commits (a handle opened in an aborted txn is void).
class dbi {
 public:
  dbi() = default;
  explicit dbi(MDB_dbi handle) : handle_(handle) {}
  MDB_dbi get() const { return handle_; }

 private:
  MDB_dbi handle_ = 0;
};

// Views into LMDB's map, valid until the txn ends or the next write in it.
inline MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};  // LMDB never writes through mv_data
}
inline std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class txn {
 public:
  static result<txn> begin_read(const env& e);
  static result<txn> begin_write(const env& e);

  txn(txn&& other) noexcept;
  txn& operator=(txn&& other) noexcept;
  txn(const txn&) = delete;
  txn& operator=(const txn&) = delete;
  ~txn();

  // Commits (a read txn just ends). After commit(), success or not, the txn is over.
  result<void> commit();
  // Discards all writes. Idempotent; the destructor does it for an uncommitted txn.
  void abort();

  bool active() const { return txn_ != nullptr; }
  bool read_only() const { return read_only_; }
  MDB_txn* get() const { return txn_; }

  // Opens (in a write txn, creates) the database `name` with MDB_* flags (MDB_DUPSORT, ...).
  result<dbi> open_dbi(const std::string& name, unsigned flags);

  // nullopt when the key is absent. The view is valid until this txn ends or writes.
  result<std::optional<std::string_view>> get(dbi db, std::string_view key) const;
  result<void> put(dbi db, std::string_view key, std::string_view value, unsigned flags = 0);
  // false when there was nothing to delete. With `value`, deletes one duplicate of a DUPSORT db.
  result<bool> del(dbi db, std::string_view key,
                   std::optional<std::string_view> value = std::nullopt);
  // Empties the database (mdb_drop del=0); the handle stays valid.
  result<void> clear(dbi db);

 private:
  friend class cursor;
  txn(MDB_txn* t, bool read_only) : txn_(t), read_only_(read_only) {}
  MDB_txn* txn_ = nullptr;
  bool read_only_ = true;
  std::size_t cursors_open_ = 0;  // see the REQUIRES above
};

}  // namespace cairn::lmdb
