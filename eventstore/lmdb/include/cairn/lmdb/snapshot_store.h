// snapshot_store: key → the latest snapshot of an aggregate (or any state folded from a stream),
// in one LMDB database. Snapshots only move forward: put() keeps a stored snapshot whose version
// is newer than the one offered, so a slow writer cannot replace fresher state.
//
// Value layout (all integers big-endian), checked on every read because disk bytes are untrusted:
//
//   offset  size  field
//        0     1  format (= 1)
//        1     8  stream version the snapshot includes (int64, >= 0)
//        9     4  schema version of `bytes` (uint32, chosen by the application)
//       13     n  bytes (opaque to the store)
//
// Keys are 1..env::max_key_size_bytes() (511) bytes: errc::invalid_argument / errc::key_too_long.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/base/result.h"
#include "cairn/base/strong_type.h"
#include "cairn/lmdb/env.h"
#include "cairn/lmdb/txn.h"

namespace cairn::lmdb {

struct snapshot {
  stream_version version;
  std::uint32_t schema_version = 0;
  std::string bytes;

  bool operator==(const snapshot&) const = default;
};

// A stored snapshot seen in place: `bytes` is valid until its txn ends or writes.
struct snapshot_view {
  stream_version version;
  std::uint32_t schema_version = 0;
  std::string_view bytes;
};

struct snapshot_store_options {
  std::string db_name = "snapshots";
  // Used only when the store opens its own environment.
  env_options env;
};

class snapshot_store {
 public:
  static constexpr std::uint8_t kFormat = 1;
  static constexpr std::size_t kValueHeaderSize = 13;

  // Opens its own environment in `dir` (created if missing).
  static result<snapshot_store> open(const std::filesystem::path& dir,
                                     const snapshot_store_options& opts = {});
  // Borrows `e`, which must outlive the store and have a free named-database slot.
  static result<snapshot_store> open(env& e, const snapshot_store_options& opts = {});

  // Stores the snapshot unless the stored one has a greater version (equal versions overwrite,
  // e.g. after a schema upgrade). true when written, false when a newer snapshot was kept.
  // A stored value that fails validation is overwritten: a snapshot is only a cache of the stream.
  result<bool> put(std::string_view key, stream_version version, std::uint32_t schema_version,
                   std::string_view bytes);
  result<std::optional<snapshot>> get(std::string_view key) const;
  // false when there was no snapshot.
  result<bool> erase(std::string_view key);

  // The same operations inside a caller's transaction, so a snapshot can commit atomically with
  // other state (a projection checkpoint) in the same environment.
  result<bool> put(txn& t, std::string_view key, stream_version version,
                   std::uint32_t schema_version, std::string_view bytes) const;
  result<std::optional<snapshot_view>> get(const txn& t, std::string_view key) const;
  result<bool> erase(txn& t, std::string_view key) const;

  env& environment() const { return *env_; }

  // Decodes a stored value; errc::corrupt_value when it does not follow the layout above.
  static result<snapshot_view> decode(std::string_view value);

 private:
  snapshot_store(std::unique_ptr<env> owned, env* e, dbi db)
      : owned_(std::move(owned)), env_(e), db_(db) {}
  result<void> check_key(std::string_view key) const;

  std::unique_ptr<env> owned_;  // heap-held so env_ stays valid when the store moves
  env* env_ = nullptr;
  dbi db_;
};

}  // namespace cairn::lmdb
