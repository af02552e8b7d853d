// One generation of a projection's model: an LMDB environment in dir/gen-NNNNNN with its
// checkpoint database and the user's databases, and the CURRENT file that names the live one.
//
// Why a CURRENT file and not a symlink: both switch with one rename(2), but a file is read with
// plain I/O, works where symlinks do not, and is written exactly like LevelDB's CURRENT
// (write a temp file, fsync it, rename it over, fsync the directory), so after a crash CURRENT
// names either the old or the new generation, never a half-written one.
#pragma once

#include <filesystem>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cairn/es/projection.h"
#include "cairn/lmdb/env.h"
#include "cairn/lmdb/txn.h"

namespace cairn::es {

struct projection::generation {
  generation(std::string n, lmdb::env e) : name(std::move(n)), env(std::move(e)) {}
  ~generation();
  generation(const generation&) = delete;
  generation& operator=(const generation&) = delete;

  std::string name;  // "gen-000001"
  lmdb::env env;
  lmdb::dbi checkpoints;
  std::vector<lmdb::dbi> dbs;
  // Set when a rebuild switched away from this generation: its directory is removed once the
  // last reader lets go of it.
  bool remove_on_close = false;
  // Every transaction holds it shared; growing the map holds it exclusively, because LMDB may
  // resize only while this process has no transaction open on the environment.
  std::shared_mutex txns;
};

namespace projection_files {

// The generation CURRENT names; nullopt when there is no CURRENT yet.
result<std::optional<std::string>> read_current(const std::filesystem::path& dir);
// Points CURRENT at `name` atomically (temp file, fsync, rename, fsync of the directory).
result<void> write_current(const std::filesystem::path& dir, const std::string& name);
// "gen-000001" -> "gen-000002".
std::string next_name(const std::string& name);
// Removes every gen-* directory under `dir` except `keep`.
void remove_others(const std::filesystem::path& dir, const std::string& keep);

}  // namespace projection_files

// Opens dir/name as an environment and its databases (created if missing).
result<std::shared_ptr<projection::generation>> open_generation(const projection_options& o,
                                                                const std::string& name);

}  // namespace cairn::es
