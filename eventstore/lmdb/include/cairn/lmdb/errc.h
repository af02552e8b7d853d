// LMDB return codes as std::error_code, with the failing call in the category: every error reads
// "mdb_put: MDB_MAP_FULL: Environment mapsize limit reached", so a log line says which call failed.
//
// ec.value() is LMDB's own return code (an MDB_* constant or an errno). Compare against the
// portable condition, not the code: `ec == lmdb::condition::map_full`. Errno values map to
// std::generic_category conditions, so `ec == std::errc::no_space_on_device` works too.
#pragma once

#include <system_error>

namespace cairn::lmdb {

// The LMDB functions this wrapper calls; each has its own error category named after it.
enum class call {
  env_create,          // mdb_env_create
  env_set_mapsize,     // mdb_env_set_mapsize
  env_set_maxdbs,      // mdb_env_set_maxdbs
  env_set_maxreaders,  // mdb_env_set_maxreaders
  env_open,            // mdb_env_open (also directory creation before it)
  env_sync,            // mdb_env_sync
  env_info,            // mdb_env_info
  txn_begin,           // mdb_txn_begin
  txn_commit,          // mdb_txn_commit
  dbi_open,            // mdb_dbi_open
  drop,                // mdb_drop
  get,                 // mdb_get
  put,                 // mdb_put
  del,                 // mdb_del
  cursor_open,         // mdb_cursor_open
  cursor_get,          // mdb_cursor_get
  cursor_put,          // mdb_cursor_put
  cursor_del,          // mdb_cursor_del
  cursor_count,        // mdb_cursor_count
};

// The category of errors returned by `c`. name() is "lmdb.mdb_<call>".
const std::error_category& category(call c) noexcept;

// An error from call `c` that returned `rc` (rc != MDB_SUCCESS).
inline std::error_code make_error(call c, int rc) noexcept {
  return {rc, category(c)};
}

// What a caller can act on, independent of which call failed.
enum class condition {
  not_found = 1,   // MDB_NOTFOUND: key or data pair not found (wrapper get()s return nullopt)
  key_exists,      // MDB_KEYEXIST: NOOVERWRITE/NODUPDATA/APPEND refused the write
  map_full,        // MDB_MAP_FULL: the environment's map size is exhausted; grow it and retry
  dbs_full,        // MDB_DBS_FULL: more named databases than max_dbs
  readers_full,    // MDB_READERS_FULL: reader lock table full
  txn_full,        // MDB_TXN_FULL: one transaction dirtied too many pages; commit in chunks
  map_resized,     // MDB_MAP_RESIZED: another process grew the map
  incompatible,    // MDB_INCOMPATIBLE: database opened with other flags than it was created with
  bad_value_size,  // MDB_BAD_VALSIZE: key empty or longer than mdb_env_get_maxkeysize
  corrupted,       // MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_PANIC, MDB_INVALID, MDB_VERSION_MISMATCH
  misuse,          // MDB_BAD_TXN, MDB_BAD_RSLOT, MDB_BAD_DBI, MDB_TLS_FULL, ...: a bug of ours
};

const std::error_category& condition_category() noexcept;

inline std::error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), condition_category()};
}

}  // namespace cairn::lmdb

template <>
struct std::is_error_condition_enum<cairn::lmdb::condition> : std::true_type {};
