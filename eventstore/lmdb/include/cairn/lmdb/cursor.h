// lmdb::cursor: RAII over MDB_cursor. Destroy it before its txn commits, aborts or moves (asserted:
// LMDB frees a write txn's cursors at commit, so closing one afterwards would be a double free).
// Reuse one cursor for many operations in a txn: opening one costs an allocation.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

#include "cairn/base/assert.h"
#include "cairn/base/result.h"
#include "cairn/lmdb/errc.h"
#include "cairn/lmdb/txn.h"

namespace cairn::lmdb {

// A key/value pair seen through a cursor: views into the map, valid until the txn ends or writes.
struct entry {
  std::string_view key;
  std::string_view value;
};

class cursor {
 public:
  static result<cursor> open(txn& t, dbi db) {
    CAIRN_ASSERT(t.active(), "cursor on an ended lmdb::txn");
    MDB_cursor* raw = nullptr;
    if (int rc = mdb_cursor_open(t.get(), db.get(), &raw); rc != MDB_SUCCESS) {
      return make_error(call::cursor_open, rc);
    }
    return cursor(&t, raw);
  }

  cursor(cursor&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)),
        cursor_(std::exchange(other.cursor_, nullptr)) {}
  cursor& operator=(cursor&& other) noexcept {
    if (this != &other) {
      close();
      owner_ = std::exchange(other.owner_, nullptr);
      cursor_ = std::exchange(other.cursor_, nullptr);
    }
    return *this;
  }
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;
  ~cursor() { close(); }

  MDB_cursor* get() const { return cursor_; }

  // mdb_cursor_get with operation `op` (MDB_SET_KEY, MDB_GET_BOTH_RANGE, MDB_NEXT_DUP, ...);
  // `key`/`value` are inputs for the operations that take them. nullopt on MDB_NOTFOUND.
  result<std::optional<entry>> seek(MDB_cursor_op op, std::string_view key = {},
                                    std::string_view value = {}) {
    MDB_val k = to_val(key);
    MDB_val v = to_val(value);
    int rc = mdb_cursor_get(cursor_, &k, &v, op);
    if (rc == MDB_NOTFOUND) return std::optional<entry>{};
    if (rc != MDB_SUCCESS) return make_error(call::cursor_get, rc);
    return std::optional<entry>{entry{to_view(k), to_view(v)}};
  }

  // mdb_cursor_put with MDB_* flags (MDB_APPEND, MDB_APPENDDUP, MDB_CURRENT, MDB_NOOVERWRITE, ...).
  result<void> put(std::string_view key, std::string_view value, unsigned flags = 0) {
    MDB_val k = to_val(key);
    MDB_val v = to_val(value);
    if (int rc = mdb_cursor_put(cursor_, &k, &v, flags); rc != MDB_SUCCESS) {
      return make_error(call::cursor_put, rc);
    }
    return success();
  }

  // Deletes the current item (flags = MDB_NODUPDATA: all duplicates of the current key).
  result<void> del(unsigned flags = 0) {
    if (int rc = mdb_cursor_del(cursor_, flags); rc != MDB_SUCCESS) {
      return make_error(call::cursor_del, rc);
    }
    return success();
  }

  // Duplicates of the current key (DUPSORT databases only).
  result<std::size_t> count() {
    std::size_t n = 0;
    if (int rc = mdb_cursor_count(cursor_, &n); rc != MDB_SUCCESS) {
      return make_error(call::cursor_count, rc);
    }
    return n;
  }

 private:
  cursor(txn* owner, MDB_cursor* c) : owner_(owner), cursor_(c) { ++owner_->cursors_open_; }

  void close() {
    if (cursor_ == nullptr) return;
    CAIRN_ASSERT(owner_->active(), "lmdb::cursor outlived its txn");
    mdb_cursor_close(std::exchange(cursor_, nullptr));
    --owner_->cursors_open_;
    owner_ = nullptr;
  }

  txn* owner_ = nullptr;
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace cairn::lmdb
