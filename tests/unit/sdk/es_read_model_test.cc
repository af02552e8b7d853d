// The read-model transaction against a real LMDB in a temp dir: databases by name, bytes, JSON
// and Cap'n Proto values, key-range scans and erasure, and what a read txn refuses. Writes go
// through apply_batch (one record per write), as a consumer loop would drive them.
#include <boost/describe.hpp>
#include <catch2/catch.hpp>
#include <functional>

#include "cairn/es/projection.h"
#include "cairn/es/read_model.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/sdk/es_capnp_account.h"

namespace {

namespace es = cairn::es;
using cairn::result;
using cairn::success;
using es::key_range;
using es::read_model_txn;

struct balance {
  std::string owner;
  std::int64_t cents = 0;
  bool operator==(const balance&) const = default;
};
BOOST_DESCRIBE_STRUCT(balance, (), (owner, cents))

// A model whose apply runs whatever the test puts in `write` next.
struct model {
  cairn::testing::temp_dir dir;
  std::function<result<void>(read_model_txn&)> write;
  std::unique_ptr<es::projection> p;
  std::int64_t offset = 0;

  model() {
    es::projection_options o;
    o.dir = dir.path() / "model";
    o.dbs = {"balances", "by_owner"};
    o.partitions = {{"accounts", 0}};
    auto opened = es::projection::open(
        o, [this](read_model_txn& t, const cairn::consumer_record&) { return write(t); });
    REQUIRE(opened);
    p = std::move(opened).value();
  }

  result<void> run(std::function<result<void>(read_model_txn&)> fn) {
    write = std::move(fn);
    cairn::consumer_record r;
    r.topic = "accounts";
    r.partition = 0;
    r.offset = offset++;
    auto n = p->apply_batch({r});
    if (!n) return n.error();
    return success();
  }

  template <class T>
  T query(std::function<result<T>(read_model_txn&)> fn) {
    auto r = p->query<T>(fn);
    REQUIRE(r);
    return std::move(r).value();
  }
};

}  // namespace

TEST_CASE("read model databases are reached by the names they were declared with", "[read_model]") {
  model m;
  REQUIRE(m.run([](read_model_txn& t) { return t.db("balances").put("acc-1", "100"); }));
  CHECK(m.query<bool>([](read_model_txn& t) { return t.db("balances").contains("acc-1"); }));
  CHECK_FALSE(m.query<bool>([](read_model_txn& t) { return t.db("by_owner").contains("acc-1"); }));
  CHECK(m.query<bool>([](read_model_txn& t) -> result<bool> {
    return !t.try_db("checkpoint") && !t.try_db("nope") && t.try_db("by_owner");
  }));
  auto names = m.query<std::vector<std::string>>(
      [](read_model_txn& t) -> result<std::vector<std::string>> { return t.db_names(); });
  CHECK(names == std::vector<std::string>{"balances", "by_owner"});
}

TEST_CASE("read model JSON values round-trip and a value of another shape is refused",
          "[read_model]") {
  model m;
  REQUIRE(m.run([](read_model_txn& t) -> result<void> {
    auto db = t.db("balances");
    CAIRN_TRY(db.put_json("acc-1", balance{"ann", 2500}));
    return db.put("acc-2", R"({"owner": 7})");  // owner is not a string
  }));
  auto got = m.query<std::optional<balance>>(
      [](read_model_txn& t) { return t.db("balances").get_json<balance>("acc-1"); });
  CHECK(got == balance{"ann", 2500});
  auto absent = m.query<std::optional<balance>>(
      [](read_model_txn& t) { return t.db("balances").get_json<balance>("acc-9"); });
  CHECK_FALSE(absent);

  auto wrong = m.p->query<std::optional<balance>>(
      [](read_model_txn& t) { return t.db("balances").get_json<balance>("acc-2"); });
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error() == es::errc::malformed_value);
  REQUIRE(m.run([](read_model_txn& t) { return t.db("balances").put("acc-3", "{not json"); }));
  auto garbage = m.p->query<std::optional<balance>>(
      [](read_model_txn& t) { return t.db("balances").get_json<balance>("acc-3"); });
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error() == es::errc::malformed_value);
}

TEST_CASE("read model Cap'n Proto values round-trip, typed and by schema", "[read_model]") {
  model m;
  REQUIRE(m.run([](read_model_txn& t) -> result<void> {
    auto db = t.db("balances");
    CAIRN_TRY(db.put_capnp("dep-1", capnp_bank::deposited{1234, "rent"}));
    CAIRN_TRY(db.write_capnp<capnp_bank::schema::Withdrawn>(
        "wd-1", [](capnp_bank::schema::Withdrawn::Builder b) { b.setAmountCents(50); }));
    return db.put("junk", "12345678");  // one word, but no valid message
  }));
  auto dep = m.query<std::optional<capnp_bank::deposited>>(
      [](read_model_txn& t) { return t.db("balances").get_capnp<capnp_bank::deposited>("dep-1"); });
  CHECK(dep == capnp_bank::deposited{1234, "rent"});
  auto cents = m.query<std::optional<std::int64_t>>([](read_model_txn& t) {
    return t.db("balances")
        .read_capnp<capnp_bank::schema::Withdrawn>(
            "wd-1", [](capnp_bank::schema::Withdrawn::Reader r) { return r.getAmountCents(); });
  });
  CHECK(cents == 50);
  // The typed form runs the type's own checks: withdrawn refuses a non-positive amount.
  auto typed = m.query<std::optional<capnp_bank::withdrawn>>(
      [](read_model_txn& t) { return t.db("balances").get_capnp<capnp_bank::withdrawn>("wd-1"); });
  CHECK(typed == capnp_bank::withdrawn{50});
  auto junk = m.p->query<std::optional<capnp_bank::deposited>>(
      [](read_model_txn& t) { return t.db("balances").get_capnp<capnp_bank::deposited>("junk"); });
  REQUIRE_FALSE(junk);
  CHECK(junk.error() == es::errc::malformed_value);
}

TEST_CASE("read model scans visit a key range in order without cursors", "[read_model]") {
  model m;
  REQUIRE(m.run([](read_model_txn& t) -> result<void> {
    auto db = t.db("balances");
    for (const char* k : {"acc-3", "acc-1", "b", "acc-2", "ac", "acd"}) {
      CAIRN_TRY(db.put(k, std::string("v:") + k));
    }
    return success();
  }));
  using keys = std::vector<std::string>;
  auto keys_of = [&](key_range r) {
    return m.query<keys>([&](read_model_txn& t) { return t.db("balances").keys(r); });
  };
  CHECK(keys_of({}) == keys{"ac", "acc-1", "acc-2", "acc-3", "acd", "b"});
  CHECK(keys_of(key_range::with_prefix("acc-")) == keys{"acc-1", "acc-2", "acc-3"});
  CHECK(keys_of(key_range::between("acc-2", "b")) == keys{"acc-2", "acc-3", "acd"});
  key_range both;  // a prefix and a lower bound inside it
  both.prefix = "acc-";
  both.from = "acc-2";
  CHECK(keys_of(both) == keys{"acc-2", "acc-3"});
  CHECK(keys_of(key_range::with_prefix("zz")).empty());
  CHECK(m.query<keys>([](read_model_txn& t) { return t.db("balances").keys({}, 2); }) ==
        keys{"ac", "acc-1"});

  // for_each sees values too; returning false stops, an error stops and is returned.
  auto seen = m.query<std::string>([](read_model_txn& t) -> result<std::string> {
    std::string out;
    CAIRN_TRY(
        t.db("balances")
            .for_each(key_range::with_prefix("acc-"), [&](std::string_view, std::string_view v) {
              out += std::string(v) + ";";
              return out.size() < 12;
            }));
    return out;
  });
  CHECK(seen == "v:acc-1;v:acc-2;");
  auto failed = m.p->read([](read_model_txn& t) -> result<void> {
    return t.db("balances").for_each([](std::string_view k, std::string_view) -> result<void> {
      if (k == "acc-2") return std::make_error_code(std::errc::io_error);
      return success();
    });
  });
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == std::errc::io_error);

  // The pull form.
  auto pulled = m.query<keys>([](read_model_txn& t) -> result<keys> {
    CAIRN_TRY(auto s, t.db("balances").scan(key_range::between("acd", "")));
    keys out;
    while (true) {
      CAIRN_TRY(auto e, s.next());
      if (!e) return out;
      out.emplace_back(e->key);
    }
  });
  CHECK(pulled == keys{"acd", "b"});
}

TEST_CASE("read model erase, clear, size and append", "[read_model]") {
  model m;
  REQUIRE(m.run([](read_model_txn& t) -> result<void> {
    auto db = t.db("by_owner");
    for (const char* k : {"ann/1", "ann/2", "bob/1", "cid/1"}) {
      CAIRN_TRY(db.put(k, "x"));
    }
    return success();
  }));
  CHECK(m.query<std::size_t>([](read_model_txn& t) { return t.db("by_owner").size(); }) == 4);
  std::size_t erased = 0;
  bool erased_one = false;
  bool erased_missing = true;
  REQUIRE(m.run([&](read_model_txn& t) -> result<void> {
    auto db = t.db("by_owner");
    CAIRN_TRY(erased, db.erase(key_range::with_prefix("ann/")));
    CAIRN_TRY(erased_one, db.erase("cid/1"));
    CAIRN_TRY(erased_missing, db.erase("cid/1"));
    return success();
  }));
  CHECK(erased == 2);
  CHECK(erased_one);
  CHECK_FALSE(erased_missing);
  CHECK(m.query<std::vector<std::string>>([](read_model_txn& t) {
    return t.db("by_owner").keys();
  }) == std::vector<std::string>{"bob/1"});

  // append: keys in order are accepted, one that sorts before the last is refused.
  REQUIRE(m.run([](read_model_txn& t) -> result<void> {
    auto db = t.db("balances");
    CAIRN_TRY(db.append("0001", "a"));
    return db.append("0002", "b");
  }));
  auto refused = m.run([](read_model_txn& t) { return t.db("balances").append("0000", "c"); });
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == cairn::lmdb::condition::key_exists);

  REQUIRE(m.run([](read_model_txn& t) { return t.db("by_owner").clear(); }));
  CHECK(m.query<std::size_t>([](read_model_txn& t) { return t.db("by_owner").size(); }) == 0);
  CHECK(m.query<std::size_t>([](read_model_txn& t) { return t.db("balances").size(); }) == 2);
}

TEST_CASE("a query's transaction is read-only", "[read_model]") {
  model m;
  auto put = m.p->read([](read_model_txn& t) -> result<void> {
    CHECK_FALSE(t.writable());
    return t.db("balances").put("k", "v");
  });
  REQUIRE_FALSE(put);
  CHECK(m.query<std::size_t>([](read_model_txn& t) { return t.db("balances").size(); }) == 0);
}
