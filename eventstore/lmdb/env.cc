#include "cairn/lmdb/env.h"

#include <utility>

#include "cairn/base/assert.h"

namespace cairn::lmdb {

result<env> env::open(const std::filesystem::path& dir, const env_options& opts) {
  // LMDB does not create the directory itself (mdb_env_open fails with ENOENT).
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(call::env_open, ec.value());

  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != MDB_SUCCESS) return make_error(call::env_create, rc);
  env e(raw, dir);  // from here on the destructor closes `raw` on every error path
  if (int rc = mdb_env_set_mapsize(raw, opts.map_size_bytes); rc != MDB_SUCCESS) {
    return make_error(call::env_set_mapsize, rc);
  }
  if (int rc = mdb_env_set_maxdbs(raw, opts.max_dbs); rc != MDB_SUCCESS) {
    return make_error(call::env_set_maxdbs, rc);
  }
  if (int rc = mdb_env_set_maxreaders(raw, opts.max_readers); rc != MDB_SUCCESS) {
    return make_error(call::env_set_maxreaders, rc);
  }
  const std::string path = dir.string();
  if (int rc = mdb_env_open(raw, path.c_str(), opts.flags | MDB_NOTLS, opts.file_mode);
      rc != MDB_SUCCESS) {
    return make_error(call::env_open, rc);
  }
  return e;
}

env::env(env&& other) noexcept
    : env_(std::exchange(other.env_, nullptr)), path_(std::move(other.path_)) {}

env& env::operator=(env&& other) noexcept {
  if (this != &other) {
    if (env_ != nullptr) mdb_env_close(env_);
    env_ = std::exchange(other.env_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

env::~env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

std::size_t env::max_key_size_bytes() const {
  CAIRN_ASSERT(env_ != nullptr, "use of a moved-from lmdb::env");
  return static_cast<std::size_t>(mdb_env_get_maxkeysize(env_));
}

std::size_t env::map_size_bytes() const {
  CAIRN_ASSERT(env_ != nullptr, "use of a moved-from lmdb::env");
  MDB_envinfo info{};
  int rc = mdb_env_info(env_, &info);
  CAIRN_ASSERT(rc == MDB_SUCCESS, "mdb_env_info cannot fail on an open env: {}", rc);
  return info.me_mapsize;
}

result<void> env::set_map_size(std::size_t bytes) {
  CAIRN_ASSERT(env_ != nullptr, "use of a moved-from lmdb::env");
  if (int rc = mdb_env_set_mapsize(env_, bytes); rc != MDB_SUCCESS) {
    return make_error(call::env_set_mapsize, rc);
  }
  return success();
}

result<void> env::sync() {
  CAIRN_ASSERT(env_ != nullptr, "use of a moved-from lmdb::env");
  if (int rc = mdb_env_sync(env_, 1); rc != MDB_SUCCESS) return make_error(call::env_sync, rc);
  return success();
}

}  // namespace cairn::lmdb
