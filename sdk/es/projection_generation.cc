// Generations of a projection's model and the CURRENT file (see projection_generation.h).
#include "sdk/es/projection_generation.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "sdk/es/projection_checkpoint.h"

namespace cairn::es {

namespace fs = std::filesystem;

projection::generation::~generation() {
  if (!remove_on_close) return;
  fs::path dir = env.path();
  { lmdb::env closing = std::move(env); }  // close the environment before removing its files
  std::error_code ec;
  fs::remove_all(dir, ec);  // best effort: open() removes leftovers too
}

namespace projection_files {

namespace {

std::error_code errno_error() {
  return {errno, std::generic_category()};
}

result<void> fsync_path(const fs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags);
  if (fd < 0) return errno_error();
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return std::error_code(saved, std::generic_category());
  return success();
}

}  // namespace

result<std::optional<std::string>> read_current(const fs::path& dir) {
  std::ifstream in(dir / "CURRENT");
  if (!in) return std::optional<std::string>{};
  std::string name;
  std::getline(in, name);
  if (name.rfind("gen-", 0) != 0) return std::make_error_code(std::errc::illegal_byte_sequence);
  return std::optional<std::string>{name};
}

result<void> write_current(const fs::path& dir, const std::string& name) {
  fs::path tmp = dir / "CURRENT.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << name << '\n';
    out.flush();
    if (!out) return std::make_error_code(std::errc::io_error);
  }
  CAIRN_TRY(fsync_path(tmp, O_RDONLY));
  if (::rename(tmp.c_str(), (dir / "CURRENT").c_str()) != 0) return errno_error();
  return fsync_path(dir, O_RDONLY | O_DIRECTORY);  // make the rename itself durable
}

std::string next_name(const std::string& name) {
  long n = std::strtol(name.c_str() + 4, nullptr, 10);
  char buf[32];
  std::snprintf(buf, sizeof buf, "gen-%06ld", n + 1);
  return buf;
}

void remove_others(const fs::path& dir, const std::string& keep) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (name.rfind("gen-", 0) == 0 && name != keep) fs::remove_all(e.path(), ec);
  }
}

}  // namespace projection_files

result<std::shared_ptr<projection::generation>> open_generation(const projection_options& o,
                                                                const std::string& name) {
  CAIRN_TRY(auto env, lmdb::env::open(o.dir / name, o.env));
  auto g = std::make_shared<projection::generation>(name, std::move(env));
  CAIRN_TRY(auto t, lmdb::txn::begin_write(g->env));
  CAIRN_TRY(g->checkpoints, t.open_dbi(checkpoint::db_name, MDB_CREATE));
  for (const auto& db : o.dbs) {
    CAIRN_TRY(auto handle, t.open_dbi(db, MDB_CREATE));
    g->dbs.push_back(handle);
  }
  CAIRN_TRY(t.commit());  // handles opened in a txn are valid only once it commits
  return g;
}

}  // namespace cairn::es
