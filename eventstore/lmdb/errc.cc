#include "cairn/lmdb/errc.h"

#include <lmdb.h>

#include <array>
#include <string>

namespace cairn::lmdb {
namespace {

std::error_condition condition_of(int rc) noexcept {
  switch (rc) {
    case MDB_NOTFOUND:
      return condition::not_found;
    case MDB_KEYEXIST:
      return condition::key_exists;
    case MDB_MAP_FULL:
      return condition::map_full;
    case MDB_DBS_FULL:
      return condition::dbs_full;
    case MDB_READERS_FULL:
      return condition::readers_full;
    case MDB_TXN_FULL:
      return condition::txn_full;
    case MDB_MAP_RESIZED:
      return condition::map_resized;
    case MDB_INCOMPATIBLE:
      return condition::incompatible;
    case MDB_BAD_VALSIZE:
      return condition::bad_value_size;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_PANIC:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return condition::corrupted;
    default:
      break;
  }
  if (rc < 0) return condition::misuse;  // the remaining MDB_* codes are all negative
  return {rc, std::generic_category()};  // an errno from the OS
}

class call_category final : public std::error_category {
 public:
  constexpr call_category(const char* name, const char* function)
      : name_(name), function_(function) {}

  const char* name() const noexcept override { return name_; }

  // mdb_strerror() names MDB_* codes itself ("MDB_MAP_FULL: Environment mapsize limit reached")
  // and falls back to strerror() for errno values.
  std::string message(int rc) const override {
    return std::string(function_) + ": " + mdb_strerror(rc);
  }

  std::error_condition default_error_condition(int rc) const noexcept override {
    return condition_of(rc);
  }

 private:
  const char* name_;
  const char* function_;
};

class condition_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lmdb"; }

  std::string message(int value) const override {
    switch (static_cast<condition>(value)) {
      case condition::not_found:
        return "not found";
      case condition::key_exists:
        return "key exists";
      case condition::map_full:
        return "LMDB map is full";
      case condition::dbs_full:
        return "too many LMDB databases";
      case condition::readers_full:
        return "LMDB reader table is full";
      case condition::txn_full:
        return "LMDB transaction has too many dirty pages";
      case condition::map_resized:
        return "LMDB map was resized by another process";
      case condition::incompatible:
        return "LMDB database flags are incompatible";
      case condition::bad_value_size:
        return "LMDB key or value has an unsupported size";
      case condition::corrupted:
        return "LMDB file is corrupted or of another version";
      case condition::misuse:
        return "LMDB API misuse";
    }
    return "unknown lmdb condition " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& category(call c) noexcept {
  // Indexed by `call`; keep in the enum's order.
  static const std::array<call_category, 19> categories{{
      {"lmdb.mdb_env_create", "mdb_env_create"},
      {"lmdb.mdb_env_set_mapsize", "mdb_env_set_mapsize"},
      {"lmdb.mdb_env_set_maxdbs", "mdb_env_set_maxdbs"},
      {"lmdb.mdb_env_set_maxreaders", "mdb_env_set_maxreaders"},
      {"lmdb.mdb_env_open", "mdb_env_open"},
      {"lmdb.mdb_env_sync", "mdb_env_sync"},
      {"lmdb.mdb_env_info", "mdb_env_info"},
      {"lmdb.mdb_txn_begin", "mdb_txn_begin"},
      {"lmdb.mdb_txn_commit", "mdb_txn_commit"},
      {"lmdb.mdb_dbi_open", "mdb_dbi_open"},
      {"lmdb.mdb_drop", "mdb_drop"},
      {"lmdb.mdb_get", "mdb_get"},
      {"lmdb.mdb_put", "mdb_put"},
      {"lmdb.mdb_del", "mdb_del"},
      {"lmdb.mdb_cursor_open", "mdb_cursor_open"},
      {"lmdb.mdb_cursor_get", "mdb_cursor_get"},
      {"lmdb.mdb_cursor_put", "mdb_cursor_put"},
      {"lmdb.mdb_cursor_del", "mdb_cursor_del"},
      {"lmdb.mdb_cursor_count", "mdb_cursor_count"},
  }};
  static_assert(static_cast<std::size_t>(call::cursor_count) + 1 == 19);
  return categories[static_cast<std::size_t>(c)];
}

const std::error_category& condition_category() noexcept {
  static const condition_category_impl instance;
  return instance;
}

}  // namespace cairn::lmdb
