#include "cairn/lmdb/snapshot_store.h"

#include <cstring>
#include <utility>

#include "eventstore/errc.h"
#include "eventstore/record/endian.h"

namespace cairn::lmdb {

using eventstore::errc;
using eventstore::load_be;
using eventstore::store_be;

result<snapshot_store> snapshot_store::open(const std::filesystem::path& dir,
                                            const snapshot_store_options& opts) {
  CAIRN_TRY(auto opened, env::open(dir, opts.env));
  auto owned = std::make_unique<env>(std::move(opened));
  CAIRN_TRY(auto store, open(*owned, opts));
  store.owned_ = std::move(owned);
  return store;
}

result<snapshot_store> snapshot_store::open(env& e, const snapshot_store_options& opts) {
  CAIRN_TRY(auto t, txn::begin_write(e));
  CAIRN_TRY(auto db, t.open_dbi(opts.db_name, MDB_CREATE));
  CAIRN_TRY(t.commit());
  return snapshot_store(nullptr, &e, db);
}

result<void> snapshot_store::check_key(std::string_view key) const {
  if (key.empty()) return errc::invalid_argument;  // LMDB cannot store an empty key
  if (key.size() > env_->max_key_size_bytes()) return errc::key_too_long;
  return success();
}

result<snapshot_view> snapshot_store::decode(std::string_view value) {
  if (value.size() < kValueHeaderSize) return errc::corrupt_value;
  if (static_cast<std::uint8_t>(value[0]) != kFormat) return errc::corrupt_value;
  const auto version = load_be<std::int64_t>(value.data() + 1);
  if (version < 0) return errc::corrupt_value;
  return snapshot_view{
      .version = stream_version{version},
      .schema_version = load_be<std::uint32_t>(value.data() + 9),
      .bytes = value.substr(kValueHeaderSize),
  };
}

result<bool> snapshot_store::put(txn& t, std::string_view key, stream_version version,
                                 std::uint32_t schema_version, std::string_view bytes) const {
  CAIRN_TRY(check_key(key));
  if (version.value() < 0) return errc::invalid_argument;
  CAIRN_TRY(auto stored, t.get(db_, key));
  if (stored) {
    auto current = decode(*stored);
    if (current && current.value().version > version) return false;
  }
  // MDB_RESERVE lets us lay the value out directly in the map, without a staging buffer.
  MDB_val k = to_val(key);
  MDB_val v{kValueHeaderSize + bytes.size(), nullptr};
  if (int rc = mdb_put(t.get(), db_.get(), &k, &v, MDB_RESERVE); rc != MDB_SUCCESS) {
    return make_error(call::put, rc);
  }
  auto* out = static_cast<char*>(v.mv_data);
  out[0] = static_cast<char>(kFormat);
  store_be<std::int64_t>(out + 1, version.value());
  store_be<std::uint32_t>(out + 9, schema_version);
  if (!bytes.empty()) std::memcpy(out + kValueHeaderSize, bytes.data(), bytes.size());
  return true;
}

result<std::optional<snapshot_view>> snapshot_store::get(const txn& t, std::string_view key) const {
  CAIRN_TRY(check_key(key));
  CAIRN_TRY(auto stored, t.get(db_, key));
  if (!stored) return std::optional<snapshot_view>{};
  CAIRN_TRY(auto view, decode(*stored));
  return std::optional<snapshot_view>{view};
}

result<bool> snapshot_store::erase(txn& t, std::string_view key) const {
  CAIRN_TRY(check_key(key));
  return t.del(db_, key);
}

result<bool> snapshot_store::put(std::string_view key, stream_version version,
                                 std::uint32_t schema_version, std::string_view bytes) {
  CAIRN_TRY(auto t, txn::begin_write(*env_));
  CAIRN_TRY(bool written, put(t, key, version, schema_version, bytes));
  if (written) {
    CAIRN_TRY(t.commit());
  }
  return written;
}

result<std::optional<snapshot>> snapshot_store::get(std::string_view key) const {
  CAIRN_TRY(auto t, txn::begin_read(*env_));
  CAIRN_TRY(auto view, get(t, key));
  if (!view) return std::optional<snapshot>{};
  // Copy out before the txn ends: the view points into the map.
  return std::optional<snapshot>{
      snapshot{view->version, view->schema_version, std::string(view->bytes)}};
}

result<bool> snapshot_store::erase(std::string_view key) {
  CAIRN_TRY(auto t, txn::begin_write(*env_));
  CAIRN_TRY(bool erased, erase(t, key));
  if (erased) {
    CAIRN_TRY(t.commit());
  }
  return erased;
}

}  // namespace cairn::lmdb
