#include <catch2/catch.hpp>
#include <string>

#include "cairn/lmdb/cursor.h"
#include "cairn/lmdb/env.h"
#include "cairn/lmdb/errc.h"
#include "cairn/lmdb/txn.h"
#include "stream_test_util.h"

using namespace cairn;
using cairn::test::temp_dir;

namespace {

lmdb::env open_env(const temp_dir& dir, lmdb::env_options opts = {}) {
  auto e = lmdb::env::open(dir.path() / "env", opts);
  REQUIRE(e);
  return std::move(e).value();
}

lmdb::dbi open_db(lmdb::env& e, const std::string& name, unsigned flags = 0) {
  auto t = lmdb::txn::begin_write(e).value();
  auto db = t.open_dbi(name, flags | MDB_CREATE).value();
  REQUIRE(t.commit());
  return db;
}

}  // namespace

TEST_CASE("env creates its directory and moves", "[lmdb]") {
  temp_dir dir;
  auto e = open_env(dir);
  CHECK(std::filesystem::exists(dir.path() / "env" / "data.mdb"));
  CHECK(e.max_key_size_bytes() == 511);
  lmdb::env moved = std::move(e);
  CHECK(moved.get() != nullptr);
  CHECK(e.get() == nullptr);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  CHECK(moved.map_size_bytes() == lmdb::env_options{}.map_size_bytes);
  REQUIRE(moved.set_map_size(std::size_t{2} << 30));
  CHECK(moved.map_size_bytes() == std::size_t{2} << 30);
  CHECK(moved.sync());
}

TEST_CASE("put get and del round-trip and a missing key reads as nullopt not as an error",
          "[lmdb]") {
  temp_dir dir;
  auto e = open_env(dir);
  auto db = open_db(e, "kv");
  {
    auto t = lmdb::txn::begin_write(e).value();
    REQUIRE(t.put(db, "a", "1"));
    REQUIRE(t.put(db, "b", "2"));
    REQUIRE(t.commit());
  }
  auto t = lmdb::txn::begin_read(e).value();
  CHECK(t.read_only());
  CHECK(t.get(db, "a").value() == "1");
  CHECK(t.get(db, "missing").value() == std::nullopt);
  t.abort();

  auto w = lmdb::txn::begin_write(e).value();
  CHECK(w.del(db, "a").value() == true);
  CHECK(w.del(db, "a").value() == false);
  REQUIRE(w.commit());
  auto r = lmdb::txn::begin_read(e).value();
  CHECK(r.get(db, "a").value() == std::nullopt);
  CHECK(r.get(db, "b").value() == "2");
}

TEST_CASE("a txn that is not committed is aborted by its destructor", "[lmdb]") {
  temp_dir dir;
  auto e = open_env(dir);
  auto db = open_db(e, "kv");
  {
    auto t = lmdb::txn::begin_write(e).value();
    REQUIRE(t.put(db, "k", "v"));
  }
  auto t = lmdb::txn::begin_read(e).value();
  CHECK(t.get(db, "k").value() == std::nullopt);
}

TEST_CASE("clear empties a database and keeps its handle", "[lmdb]") {
  temp_dir dir;
  auto e = open_env(dir);
  auto db = open_db(e, "kv");
  auto t = lmdb::txn::begin_write(e).value();
  REQUIRE(t.put(db, "k", "v"));
  REQUIRE(t.clear(db));
  CHECK(t.get(db, "k").value() == std::nullopt);
  REQUIRE(t.put(db, "k2", "v"));
  CHECK(t.get(db, "k2").value() == "v");
}

TEST_CASE("cursor walks DUPSORT duplicates and ranges", "[lmdb]") {
  temp_dir dir;
  auto e = open_env(dir);
  auto db = open_db(e, "dups", MDB_DUPSORT | MDB_DUPFIXED);
  auto t = lmdb::txn::begin_write(e).value();
  {
    auto c = lmdb::cursor::open(t, db).value();
    for (std::string v : {"10", "20", "30"})
      REQUIRE(c.put("k", v, MDB_APPENDDUP));
    REQUIRE(c.put("j", "00"));
    auto at = c.seek(MDB_GET_BOTH_RANGE, "k", "15").value();
    REQUIRE(at);
    CHECK(at->value == "20");
    CHECK(c.count().value() == 3);
    at = c.seek(MDB_NEXT_DUP).value();
    REQUIRE(at);
    CHECK(at->value == "30");
    CHECK(c.seek(MDB_NEXT_DUP).value() == std::nullopt);
    CHECK(c.seek(MDB_SET_KEY, "missing").value() == std::nullopt);
    // Appending a smaller duplicate is refused: MDB_APPENDDUP's contract is checked by LMDB.
    auto refused = c.put("k", "05", MDB_APPENDDUP);
    REQUIRE(!refused);
    CHECK(refused.error() == lmdb::condition::key_exists);
    REQUIRE(c.seek(MDB_SET_KEY, "j").value());
    REQUIRE(c.del());
    CHECK(c.seek(MDB_SET_KEY, "j").value() == std::nullopt);
  }
  REQUIRE(t.commit());
}

TEST_CASE("errors name the LMDB call and compare to portable conditions", "[lmdb]") {
  temp_dir dir;

  SECTION("MDB_KEYEXIST from mdb_put") {
    auto e = open_env(dir);
    auto db = open_db(e, "kv");
    auto t = lmdb::txn::begin_write(e).value();
    REQUIRE(t.put(db, "k", "v"));
    auto again = t.put(db, "k", "w", MDB_NOOVERWRITE);
    REQUIRE(!again);
    CHECK(again.error() == lmdb::condition::key_exists);
    CHECK(again.error().value() == MDB_KEYEXIST);
    CHECK(std::string(again.error().category().name()) == "lmdb.mdb_put");
    CHECK_THAT(again.error().message(), Catch::StartsWith("mdb_put: MDB_KEYEXIST"));
  }

  SECTION("MDB_MAP_FULL from mdb_put or mdb_txn_commit") {
    auto e = open_env(dir, {.map_size_bytes = 64 * 1024});
    auto db = open_db(e, "kv");
    auto t = lmdb::txn::begin_write(e).value();
    const std::string value(1000, 'x');
    cairn::result<void> r = cairn::success();
    for (int i = 0; i < 1000 && r; ++i)
      r = t.put(db, "key-" + std::to_string(i), value);
    if (r) r = t.commit();
    REQUIRE(!r);
    CHECK(r.error() == lmdb::condition::map_full);
    CHECK_THAT(r.error().message(), Catch::Contains("MDB_MAP_FULL"));
    CHECK_THAT(r.error().message(), Catch::StartsWith("mdb_"));
  }

  SECTION("MDB_BAD_VALSIZE for an oversized key") {
    auto e = open_env(dir);
    auto db = open_db(e, "kv");
    auto t = lmdb::txn::begin_write(e).value();
    auto r = t.put(db, std::string(512, 'k'), "v");
    REQUIRE(!r);
    CHECK(r.error() == lmdb::condition::bad_value_size);
    CHECK_THAT(r.error().message(), Catch::StartsWith("mdb_put: MDB_BAD_VALSIZE"));
  }

  SECTION("MDB_NOTFOUND from mdb_dbi_open without MDB_CREATE") {
    auto e = open_env(dir);
    auto t = lmdb::txn::begin_write(e).value();
    auto r = t.open_dbi("missing", 0);
    REQUIRE(!r);
    CHECK(r.error() == lmdb::condition::not_found);
    CHECK_THAT(r.error().message(), Catch::StartsWith("mdb_dbi_open: MDB_NOTFOUND"));
  }

  SECTION("MDB_DBS_FULL from mdb_dbi_open") {
    auto e = open_env(dir, {.max_dbs = 1});
    open_db(e, "one");
    auto t = lmdb::txn::begin_write(e).value();
    auto r = t.open_dbi("two", MDB_CREATE);
    REQUIRE(!r);
    CHECK(r.error() == lmdb::condition::dbs_full);
  }

  SECTION("errno from mdb_env_open maps to a generic condition") {
    // A regular file where the directory should be.
    std::FILE* f = std::fopen((dir.path() / "file").c_str(), "w");
    REQUIRE(f != nullptr);
    std::fclose(f);
    auto r = lmdb::env::open(dir.path() / "file", {});
    REQUIRE(!r);
    CHECK(r.error() == std::errc::not_a_directory);
    CHECK_THAT(r.error().message(), Catch::StartsWith("mdb_env_open: "));
  }
}
