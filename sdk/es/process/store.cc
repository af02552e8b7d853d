// The process manager's LMDB layout and txn operations (see store.h).
#include "sdk/es/process/store.h"

#include <boost/json.hpp>

#include "cairn/es/process_manager_errc.h"
#include "cairn/base/assert.h"
#include "cairn/lmdb/cursor.h"
#include "sdk/es/projection_checkpoint.h"

namespace cairn::es::process_store {

namespace {

constexpr std::string_view outbox_next_key = "outbox-next";
constexpr char live_tag = 'L';
constexpr char finished_tag = 'F';
constexpr std::uint64_t sign_bit = std::uint64_t{1} << 63;

std::string name_key(std::string_view id, std::string_view name) {
  std::string k(id);
  k += '\0';
  k += name;
  return k;
}

std::string timeout_key(std::int64_t due_ms, std::string_view id, std::string_view name) {
  return encode_due(due_ms) + name_key(id, name);
}

result<process_timeout> decode_timeout(std::string_view key, std::string_view payload) {
  if (key.size() < 8) return process_errc::corrupt_store;
  auto due = decode_due(key.substr(0, 8));
  auto rest = key.substr(8);
  auto nul = rest.find('\0');
  if (!due || nul == std::string_view::npos) return process_errc::corrupt_store;
  return process_timeout{.instance = std::string(rest.substr(0, nul)),
                         .name = std::string(rest.substr(nul + 1)),
                         .due_ms = *due,
                         .payload = std::string(payload)};
}

const char* kind_name(message_kind k) {
  return k == message_kind::command ? "command" : "event";
}

}  // namespace

result<dbs> open_dbs(const lmdb::env& env) {
  CAIRN_TRY(auto t, lmdb::txn::begin_write(env));
  dbs d;
  CAIRN_TRY(d.state, t.open_dbi("state", MDB_CREATE));
  CAIRN_TRY(d.checkpoint, t.open_dbi(checkpoint::db_name, MDB_CREATE));
  CAIRN_TRY(d.outbox, t.open_dbi("outbox", MDB_CREATE));
  CAIRN_TRY(d.timeouts, t.open_dbi("timeouts", MDB_CREATE));
  CAIRN_TRY(d.timeout_names, t.open_dbi("timeout_names", MDB_CREATE));
  CAIRN_TRY(d.meta, t.open_dbi("meta", MDB_CREATE));
  CAIRN_TRY(t.commit());  // handles opened in a txn are valid only once it commits
  return d;
}

std::string encode_u64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

std::optional<std::uint64_t> decode_u64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : bytes)
    v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string encode_due(std::int64_t due_ms) {
  return encode_u64(static_cast<std::uint64_t>(due_ms) ^ sign_bit);
}

std::optional<std::int64_t> decode_due(std::string_view bytes) {
  auto v = decode_u64(bytes);
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(*v ^ sign_bit);
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= id_bytes_max && id.find('\0') == std::string_view::npos;
}

std::string encode_message(const process_message& m) {
  boost::json::object o;
  o["kind"] = kind_name(m.kind);
  o["topic"] = m.topic;
  o["key"] = m.key;
  o["type"] = m.type;
  o["data"] = m.data;
  o["id"] = m.id;
  o["correlation_id"] = m.correlation_id;
  o["causation_id"] = m.causation_id;
  return boost::json::serialize(o);
}

result<process_message> decode_message(std::string_view json) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return process_errc::corrupt_store;
  const auto& o = parsed.get_object();
  auto text = [&](std::string_view field) -> std::optional<std::string> {
    const auto* v = o.if_contains(field);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
  };
  auto kind = text("kind");
  auto topic = text("topic");
  auto key = text("key");
  auto type = text("type");
  auto data = text("data");
  auto id = text("id");
  auto correlation = text("correlation_id");
  auto causation = text("causation_id");
  if (!kind || !topic || !key || !type || !data || !id || !correlation || !causation) {
    return process_errc::corrupt_store;
  }
  if (*kind != "command" && *kind != "event") return process_errc::corrupt_store;
  return process_message{.kind = *kind == "command" ? message_kind::command : message_kind::event,
                         .topic = std::move(*topic),
                         .key = std::move(*key),
                         .type = std::move(*type),
                         .data = std::move(*data),
                         .id = std::move(*id),
                         .correlation_id = std::move(*correlation),
                         .causation_id = std::move(*causation),
                         .maybe_sent = false};
}

result<instance_record> load_instance(const lmdb::txn& t, const dbs& d, std::string_view id) {
  CAIRN_TRY(auto value, t.get(d.state, id));
  if (!value) return instance_record{};
  if (value->empty()) return process_errc::corrupt_store;
  if ((*value)[0] == finished_tag) return instance_record{.status = instance_status::finished};
  if ((*value)[0] != live_tag) return process_errc::corrupt_store;
  return instance_record{.status = instance_status::live,
                         .state_json = std::string(value->substr(1))};
}

result<void> store_live(lmdb::txn& t, const dbs& d, std::string_view id, std::string_view json) {
  std::string value(1, live_tag);
  value += json;
  return t.put(d.state, id, value);
}

result<void> store_finished(lmdb::txn& t, const dbs& d, std::string_view id) {
  return t.put(d.state, id, std::string_view(&finished_tag, 1));
}

result<bool> cancel_timeout(lmdb::txn& t, const dbs& d, std::string_view id,
                            std::string_view name) {
  const auto nk = name_key(id, name);
  CAIRN_TRY(auto due_bytes, t.get(d.timeout_names, nk));
  if (!due_bytes) return false;
  auto due = decode_due(*due_bytes);
  if (!due) return process_errc::corrupt_store;
  CAIRN_TRY(auto removed, t.del(d.timeouts, timeout_key(*due, id, name)));
  // The two databases change together, always: one without the other is a bug of ours.
  CAIRN_ASSERT(removed, "timeout {}/{} in timeout_names but not in timeouts", id, name);
  CAIRN_TRY(t.del(d.timeout_names, nk));
  return true;
}

result<void> schedule_timeout(lmdb::txn& t, const dbs& d, std::string_view id,
                              const timeout_request& r) {
  CAIRN_ASSERT(r.at_ms.has_value(), "schedule_timeout: due time not resolved for {}", r.name);
  CAIRN_TRY(cancel_timeout(t, d, id, r.name));
  CAIRN_TRY(t.put(d.timeouts, timeout_key(*r.at_ms, id, r.name), r.payload));
  return t.put(d.timeout_names, name_key(id, r.name), encode_due(*r.at_ms));
}

result<std::size_t> drop_timeouts(lmdb::txn& t, const dbs& d, std::string_view id) {
  const std::string prefix = name_key(id, "");
  std::vector<std::string> names;
  {
    CAIRN_TRY(auto c, lmdb::cursor::open(t, d.timeout_names));
    CAIRN_TRY(auto e, c.seek(MDB_SET_RANGE, prefix));
    while (e && e->key.substr(0, prefix.size()) == prefix) {
      names.emplace_back(e->key.substr(prefix.size()));
      CAIRN_TRY(e, c.seek(MDB_NEXT));
    }
  }  // the cursor ends before the deletes below
  for (const auto& name : names) {
    CAIRN_TRY(cancel_timeout(t, d, id, name));
  }
  return names.size();
}

result<std::optional<process_timeout>> first_timeout(lmdb::txn& t, const dbs& d) {
  CAIRN_TRY(auto c, lmdb::cursor::open(t, d.timeouts));
  CAIRN_TRY(auto e, c.seek(MDB_FIRST));
  if (!e) return std::optional<process_timeout>{};
  CAIRN_TRY(auto timeout, decode_timeout(e->key, e->value));
  return std::optional<process_timeout>{std::move(timeout)};
}

result<std::vector<process_timeout>> all_timeouts(lmdb::txn& t, const dbs& d) {
  std::vector<process_timeout> out;
  CAIRN_TRY(auto c, lmdb::cursor::open(t, d.timeouts));
  for (auto op = MDB_FIRST;; op = MDB_NEXT) {
    CAIRN_TRY(auto e, c.seek(op));
    if (!e) break;
    CAIRN_TRY(auto timeout, decode_timeout(e->key, e->value));
    out.push_back(std::move(timeout));
  }
  return out;
}

result<std::uint64_t> append_outbox(lmdb::txn& t, const dbs& d, const process_message& m) {
  CAIRN_TRY(auto next_bytes, t.get(d.meta, outbox_next_key));
  std::uint64_t seq = 0;
  if (next_bytes) {
    auto next = decode_u64(*next_bytes);
    if (!next) return process_errc::corrupt_store;
    seq = *next;
  }
  CAIRN_TRY(t.put(d.outbox, encode_u64(seq), encode_message(m), MDB_NOOVERWRITE));
  CAIRN_TRY(t.put(d.meta, outbox_next_key, encode_u64(seq + 1)));
  return seq;
}

result<std::vector<outbox_entry>> load_outbox(lmdb::txn& t, const dbs& d, std::size_t max) {
  std::vector<outbox_entry> out;
  CAIRN_TRY(auto c, lmdb::cursor::open(t, d.outbox));
  for (auto op = MDB_FIRST; out.size() < max; op = MDB_NEXT) {
    CAIRN_TRY(auto e, c.seek(op));
    if (!e) break;
    auto seq = decode_u64(e->key);
    if (!seq) return process_errc::corrupt_store;
    CAIRN_TRY(auto m, decode_message(e->value));
    out.push_back({*seq, std::move(m)});
  }
  return out;
}

result<void> delete_outbox(lmdb::txn& t, const dbs& d, std::uint64_t seq) {
  CAIRN_TRY(t.del(d.outbox, encode_u64(seq)));
  return success();
}

result<std::vector<std::uint64_t>> write_step(lmdb::txn& t, const dbs& d,
                                              std::string_view process_name, std::string_view id,
                                              std::string_view cause, std::int64_t now_ms,
                                              process_step step) {
  using outcome = process_step::outcome;
  std::vector<std::uint64_t> written;
  if (step.what == outcome::ignore) {
    // Ignoring an input while emitting or scheduling is a contradiction in the definition.
    CAIRN_ASSERT(step.messages.empty() && step.schedule.empty() && step.cancel.empty(),
                 "process {}: an ignored input of {} emits or schedules", process_name, id);
    return written;
  }
  if (!valid_id(id)) return process_errc::bad_instance_id;
  for (std::size_t i = 0; i < step.messages.size(); ++i) {
    auto& m = step.messages[i];
    m.id = std::string(process_name) + "/" + std::string(id) + "/" + std::string(cause) + "/" +
           std::to_string(i);
    m.correlation_id = std::string(id);
    m.causation_id = std::string(cause);
    CAIRN_TRY(auto seq, append_outbox(t, d, m));
    written.push_back(seq);
  }
  if (step.what == outcome::finish) {
    CAIRN_TRY(drop_timeouts(t, d, id));
    CAIRN_TRY(store_finished(t, d, id));
    return written;
  }
  for (const auto& name : step.cancel) {
    if (!valid_id(name)) return process_errc::bad_timeout_name;
    CAIRN_TRY(cancel_timeout(t, d, id, name));
  }
  for (auto& r : step.schedule) {
    if (!valid_id(r.name)) return process_errc::bad_timeout_name;
    if (!r.at_ms) r.at_ms = now_ms + r.after_ms;
    CAIRN_TRY(schedule_timeout(t, d, id, r));
  }
  CAIRN_TRY(store_live(t, d, id, step.state_json));
  return written;
}

}  // namespace cairn::es::process_store
