// cairn::es::read_model_txn: a projection's model as apply() and query() see it — one LMDB
// transaction and the model's databases, by the names given in projection_options::dbs.
//
//   result<void> apply(read_model_txn& t, const consumer_record& r) {
//     auto balances = t.db("balances");
//     CAIRN_TRY(auto b, balances.get_json<balance>(*r.key));   // nullopt: no such key
//     balance next = b.value_or(balance{});
//     next.cents += 100;
//     return balances.put_json(*r.key, next);
//   }
//
//   model.query<std::vector<std::string>>([](read_model_txn& t) {
//     return t.db("balances").keys(key_range::with_prefix("acc-"));
//   });
//
// Values are bytes (get/put), JSON (get_json/put_json: Boost.JSON value_to/value_from, so a
// struct described with BOOST_DESCRIBE_STRUCT, or one with tag_invoke overloads) or Cap'n Proto
// (get_capnp/put_capnp for a type that maps itself to a schema like a capnp event does, see
// capnp_codec.h; read_capnp/write_capnp with a schema's Reader/Builder directly). Stored values
// are read as untrusted: a value that does not parse as the type asked for is
// errc::malformed_value, never a crash.
//
// Lifetimes: a read_model_db and every string_view it returns live no longer than the
// transaction (the body of apply() or query()); a view is also invalidated by the next write in
// the same transaction. Copy what you keep.
//
// A query runs in a read transaction: writes in it fail (EACCES from LMDB).
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/es/capnp_codec.h"
#include "cairn/es/errc.h"
#include "cairn/lmdb/cursor.h"
#include "cairn/lmdb/txn.h"

namespace cairn::es {

// One key and its value, seen during a scan: views valid until the transaction ends or writes.
struct read_model_entry {
  std::string_view key{};
  std::string_view value{};
};

// Which keys a scan visits, in key order (bytewise, shorter first on a tie: LMDB's order).
// Every member is optional; an empty one does not restrict.
struct key_range {
  std::string from{};    // the first key visited (inclusive)
  std::string to{};      // visit keys below it (exclusive)
  std::string prefix{};  // only keys that start with it

  static key_range all() { return {}; }
  static key_range with_prefix(std::string p) {
    key_range r;
    r.prefix = std::move(p);
    return r;
  }
  static key_range between(std::string first, std::string end) {
    key_range r;
    r.from = std::move(first);
    r.to = std::move(end);
    return r;
  }
  // Whether `key` is in the range (what a scan checks for every key it visits).
  bool contains(std::string_view key) const;
};

// A pull-style scan over one database: next() until it returns nullopt. Holds an LMDB cursor,
// so it must end before its transaction does (it always does inside apply() or query()).
class read_model_scan {
 public:
  // The next entry of the range, or nullopt at its end (then always nullopt).
  result<std::optional<read_model_entry>> next();

 private:
  friend class read_model_db;
  read_model_scan(lmdb::cursor c, key_range range)
      : cursor_(std::move(c)), range_(std::move(range)) {}
  lmdb::cursor cursor_;
  key_range range_;
  bool started_ = false;
  bool done_ = false;
};

// One named database of the model within one transaction. A small value: copy it freely.
class read_model_db {
 public:
  const std::string& name() const { return *name_; }

  // --- bytes ---
  // nullopt when the key is absent. The view is valid until the txn ends or writes.
  result<std::optional<std::string_view>> get(std::string_view key) const;
  result<bool> contains(std::string_view key) const;
  // Inserts or replaces. Keys are 1..511 bytes (LMDB's limit; longer ones fail with
  // lmdb::condition::bad_value_size).
  result<void> put(std::string_view key, std::string_view value);
  // Inserts at the end: `key` must sort after every key in the database (lmdb::condition::
  // key_exists otherwise). Much faster for keys written in order, e.g. big-endian offsets.
  result<void> append(std::string_view key, std::string_view value);
  // false when the key was absent.
  result<bool> erase(std::string_view key);
  // Erases every key of the range; returns how many.
  result<std::size_t> erase(const key_range& range);
  // Removes every key (the database stays declared).
  result<void> clear();
  // Entries in the database (LMDB keeps the count: no scan).
  result<std::size_t> size() const;

  // --- JSON (Boost.JSON) ---
  template <class T>
  result<std::optional<T>> get_json(std::string_view key) const {
    CAIRN_TRY(auto stored, get(key));
    if (!stored) return std::optional<T>{};
    boost::system::error_code ec;
    auto parsed = boost::json::parse(*stored, ec);
    if (ec) return errc::malformed_value;
    auto typed = boost::json::try_value_to<T>(parsed);
    if (!typed) return errc::malformed_value;
    return std::optional<T>{std::move(typed).value()};
  }
  template <class T>
  result<void> put_json(std::string_view key, const T& value) {
    return put(key, boost::json::serialize(boost::json::value_from(value)));
  }

  // --- Cap'n Proto ---
  // T maps itself to and from a schema (T::capnp_schema, to_capnp, from_capnp: capnp_codec.h).
  template <capnp_event T>
  result<std::optional<T>> get_capnp(std::string_view key) const {
    CAIRN_TRY(auto stored, get(key));
    if (!stored) return std::optional<T>{};
    auto decoded = decode_capnp<T>(*stored);
    if (!decoded)
      return decoded.error() == errc::malformed_event ? errc::malformed_value : decoded.error();
    return std::optional<T>{std::move(decoded).value()};
  }
  template <capnp_event T>
  result<void> put_capnp(std::string_view key, const T& value) {
    return put(key, encode_capnp(value));
  }
  // Reads the value as a Schema message and returns read(Schema::Reader) (a value or a result
  // of one), nullopt when the key is absent. read must copy what it keeps.
  template <class Schema, class Read>
  auto read_capnp(std::string_view key, Read&& read) const -> result<std::optional<
      typename detail::result_value<std::invoke_result_t<Read, typename Schema::Reader>>::type>> {
    using value =
        typename detail::result_value<std::invoke_result_t<Read, typename Schema::Reader>>::type;
    CAIRN_TRY(auto stored, get(key));
    if (!stored) return std::optional<value>{};
    auto out = es::read_capnp<Schema>(*stored, std::forward<Read>(read));
    if (!out) return out.error() == errc::malformed_event ? errc::malformed_value : out.error();
    return std::optional<value>{std::move(out).value()};
  }
  // Stores a Schema message filled by fill(Schema::Builder).
  template <class Schema, class Fill>
  result<void> write_capnp(std::string_view key, Fill&& fill) {
    return put(key, build_capnp<Schema>(std::forward<Fill>(fill)));
  }

  // --- iteration ---
  result<read_model_scan> scan(key_range range = {}) const;
  // Calls f(key, value) for each entry of the range in key order. f returns void, bool (false
  // stops the scan) or result<void> (an error stops it and is returned). f must not write to
  // this database (LMDB cursors and writes do not mix); collect the keys first (keys()).
  template <class F>
  result<void> for_each(const key_range& range, F&& f) const {
    CAIRN_TRY(auto s, scan(range));
    while (true) {
      CAIRN_TRY(auto e, s.next());
      if (!e) return success();
      using returned = std::invoke_result_t<F&, std::string_view, std::string_view>;
      if constexpr (std::is_void_v<returned>) {
        f(e->key, e->value);
      } else if constexpr (std::is_same_v<returned, bool>) {
        if (!f(e->key, e->value)) return success();
      } else {
        CAIRN_TRY(f(e->key, e->value));
      }
    }
  }
  template <class F>
  result<void> for_each(F&& f) const {
    return for_each(key_range{}, std::forward<F>(f));
  }
  // The keys of the range, copied, in order (at most `max`).
  result<std::vector<std::string>> keys(const key_range& range = {},
                                        std::size_t max = SIZE_MAX) const;

  // The raw LMDB handles, for what this class does not offer (DUPSORT, cursor tricks).
  lmdb::txn& raw_txn() const { return *txn_; }
  lmdb::dbi raw_dbi() const { return dbi_; }

 private:
  friend class read_model_txn;
  read_model_db(lmdb::txn& t, lmdb::dbi d, const std::string& name)
      : txn_(&t), dbi_(d), name_(&name) {}
  lmdb::txn* txn_;
  lmdb::dbi dbi_;
  const std::string* name_;
};

// The model within one transaction: its databases by name.
class read_model_txn {
 public:
  // REQUIRES: `names` and `dbis` have the same length (database i is named names[i]).
  read_model_txn(lmdb::txn& t, const std::vector<std::string>& names,
                 const std::vector<lmdb::dbi>& dbis);

  // The database declared as `name` in projection_options::dbs. A name that was not declared
  // is a bug in the program: it aborts with the name (try_db to ask instead).
  read_model_db db(std::string_view name) const;
  std::optional<read_model_db> try_db(std::string_view name) const;
  const std::vector<std::string>& db_names() const { return names_; }

  bool writable() const { return !txn_.read_only(); }
  lmdb::txn& raw_txn() const { return txn_; }

 private:
  lmdb::txn& txn_;
  const std::vector<std::string>& names_;
  const std::vector<lmdb::dbi>& dbis_;
};

}  // namespace cairn::es
