#include "cairn/lmdb/snapshot_store.h"

#include <catch2/catch.hpp>
#include <string>

#include "eventstore/errc.h"
#include "eventstore/record/endian.h"
#include "stream_test_util.h"

using namespace cairn;
using cairn::eventstore::errc;
using cairn::lmdb::snapshot;
using cairn::lmdb::snapshot_store;
using cairn::test::temp_dir;

TEST_CASE("snapshots round-trip with their version and schema version", "[snapshot]") {
  temp_dir dir;
  auto store = snapshot_store::open(dir.path()).value();
  CHECK(store.get("payment-1").value() == std::nullopt);
  CHECK(store.put("payment-1", stream_version{4}, 2, "state@4").value() == true);
  CHECK(store.get("payment-1").value() == snapshot{stream_version{4}, 2, "state@4"});
  CHECK(store.put("empty", stream_version{0}, 1, "").value() == true);
  CHECK(store.get("empty").value() == snapshot{stream_version{0}, 1, ""});
}

TEST_CASE("a snapshot is replaced only by one of the same or a newer version", "[snapshot]") {
  temp_dir dir;
  auto store = snapshot_store::open(dir.path()).value();
  REQUIRE(store.put("a", stream_version{10}, 1, "v10").value());

  CHECK(store.put("a", stream_version{9}, 1, "v9").value() == false);
  CHECK(store.get("a").value()->bytes == "v10");

  // Same version, new schema: an upgrade of the stored state replaces it.
  CHECK(store.put("a", stream_version{10}, 2, "v10-schema2").value() == true);
  CHECK(store.get("a").value() == snapshot{stream_version{10}, 2, "v10-schema2"});

  CHECK(store.put("a", stream_version{11}, 2, "v11").value() == true);
  CHECK(store.get("a").value()->version == stream_version{11});
}

TEST_CASE("erase removes a snapshot", "[snapshot]") {
  temp_dir dir;
  auto store = snapshot_store::open(dir.path()).value();
  REQUIRE(store.put("a", stream_version{1}, 1, "x").value());
  CHECK(store.erase("a").value() == true);
  CHECK(store.erase("a").value() == false);
  CHECK(store.get("a").value() == std::nullopt);
  // After an erase any version may be stored again.
  CHECK(store.put("a", stream_version{0}, 1, "y").value() == true);
}

TEST_CASE("snapshot keys and versions are checked", "[snapshot]") {
  temp_dir dir;
  auto store = snapshot_store::open(dir.path()).value();
  const std::string longest(511, 'k');
  CHECK(store.put(longest, stream_version{1}, 1, "x").value());
  CHECK(store.get(longest).value().has_value());

  const std::string too_long(512, 'k');
  CHECK(store.put(too_long, stream_version{1}, 1, "x").error() == errc::key_too_long);
  CHECK(store.get(too_long).error() == errc::key_too_long);
  CHECK(store.erase(too_long).error() == errc::key_too_long);
  CHECK(store.put("", stream_version{1}, 1, "x").error() == errc::invalid_argument);
  CHECK(store.put("a", stream_version{-1}, 1, "x").error() == errc::invalid_argument);
}

TEST_CASE("a corrupt stored snapshot is an error on read and replaced on write", "[snapshot]") {
  temp_dir dir;
  lmdb::env e = lmdb::env::open(dir.path(), {}).value();
  auto store = snapshot_store::open(e).value();
  auto raw = [&](std::string_view key, std::string_view value) {
    auto t = lmdb::txn::begin_write(e).value();
    auto db = t.open_dbi("snapshots", 0).value();
    REQUIRE(t.put(db, key, value));
    REQUIRE(t.commit());
  };

  raw("short", std::string("\x01\x00\x00", 3));
  CHECK(store.get("short").error() == errc::corrupt_value);

  std::string bad_format(13, '\0');
  bad_format[0] = 7;
  raw("format", bad_format);
  CHECK(store.get("format").error() == errc::corrupt_value);

  std::string negative(13, '\0');
  negative[0] = 1;
  eventstore::store_be<std::int64_t>(negative.data() + 1, -5);
  raw("negative", negative);
  CHECK(store.get("negative").error() == errc::corrupt_value);

  // A snapshot is a cache: a good one replaces the damaged value whatever its version.
  CHECK(store.put("short", stream_version{0}, 1, "ok").value() == true);
  CHECK(store.get("short").value() == snapshot{stream_version{0}, 1, "ok"});
}

TEST_CASE("snapshots commit atomically with other state in a caller's txn", "[snapshot]") {
  temp_dir dir;
  lmdb::env e = lmdb::env::open(dir.path(), {}).value();
  auto store = snapshot_store::open(e).value();
  lmdb::dbi checkpoints;
  {
    auto t = lmdb::txn::begin_write(e).value();
    checkpoints = t.open_dbi("checkpoints", MDB_CREATE).value();
    REQUIRE(t.commit());
  }
  {
    auto t = lmdb::txn::begin_write(e).value();
    REQUIRE(store.put(t, "a", stream_version{3}, 1, "s").value());
    REQUIRE(t.put(checkpoints, "projection", "42"));
    auto seen = store.get(t, "a").value();
    REQUIRE(seen);
    CHECK(seen->bytes == "s");
    // Not committed: both writes vanish together.
  }
  CHECK(store.get("a").value() == std::nullopt);
  {
    auto t = lmdb::txn::begin_write(e).value();
    REQUIRE(store.put(t, "a", stream_version{3}, 1, "s").value());
    REQUIRE(t.put(checkpoints, "projection", "42"));
    REQUIRE(t.commit());
  }
  CHECK(store.get("a").value()->version == stream_version{3});
}

TEST_CASE("a snapshot store survives a move and a reopen", "[snapshot]") {
  temp_dir dir;
  {
    auto store = snapshot_store::open(dir.path()).value();
    snapshot_store moved = std::move(store);
    REQUIRE(moved.put("a", stream_version{2}, 5, "x").value());
  }
  auto reopened = snapshot_store::open(dir.path()).value();
  CHECK(reopened.get("a").value() == snapshot{stream_version{2}, 5, "x"});
}
