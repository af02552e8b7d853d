// lmdb::env: one LMDB environment (a directory holding data.mdb and lock.mdb), RAII and move-only.
//
// LMDB's rules that bind every user of this wrapper (see lmdb.h):
//  - A thread may have only ONE transaction (read or write) open at a time, and a transaction is
//    used by the thread that began it. Never hold a transaction across anything that can suspend
//    (a co_await) or hand it to another thread.
//  - Only one write transaction is active at a time per environment; others block in txn::begin.
//  - An environment is opened once per process: do not open the same directory twice.
//  - set_map_size() may be called only while this process has no transaction open.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <filesystem>

#include "cairn/base/result.h"
#include "cairn/lmdb/errc.h"

namespace cairn::lmdb {

struct env_options {
  // Upper bound on the data file: address space reserved by the map; the file itself grows only
  // as pages are written. Writes past it fail with condition::map_full.
  std::size_t map_size_bytes = std::size_t{1} << 30;
  // Named databases this environment may hold (mdb_env_set_maxdbs).
  unsigned max_dbs = 8;
  // Concurrent read transactions (mdb_env_set_maxreaders; LMDB's default is 126).
  unsigned max_readers = 126;
  // mdb_env_open flags, e.g. MDB_NOSYNC for derived data. MDB_NOTLS is always added so a read
  // transaction's reader slot is tied to the txn, not the thread (safer with thread pools).
  unsigned flags = 0;
  unsigned file_mode = 0644;
};

class env {
 public:
  // Opens (and creates if missing, with parents) the directory `dir` as an environment.
  static result<env> open(const std::filesystem::path& dir, const env_options& opts);

  env(env&& other) noexcept;
  env& operator=(env&& other) noexcept;
  env(const env&) = delete;
  env& operator=(const env&) = delete;
  ~env();

  MDB_env* get() const { return env_; }
  const std::filesystem::path& path() const { return path_; }

  // Largest key (and DUPSORT value) LMDB accepts in this build: 511 bytes by default.
  std::size_t max_key_size_bytes() const;
  std::size_t map_size_bytes() const;

  // REQUIRES: no transaction of this environment is open in this process.
  result<void> set_map_size(std::size_t bytes);

  // Flushes written pages to disk (mdb_env_sync force=1); needed only with MDB_NOSYNC/NOMETASYNC.
  result<void> sync();

 private:
  env(MDB_env* e, std::filesystem::path path) : env_(e), path_(std::move(path)) {}
  MDB_env* env_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace cairn::lmdb
