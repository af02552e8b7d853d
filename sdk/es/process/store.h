// The process manager's LMDB layout (one environment, these named databases) and the operations
// one input's write txn performs on it. Keys and values:
//
//   state          instance id -> 'L' + state JSON (live) | 'F' (finished: a tombstone, so a late
//                  input cannot restart an instance that ended)
//   checkpoint     "topic/partition" -> next offset (the projection's encoding, shared)
//   outbox         sequence (8 bytes big-endian) -> message JSON; dispatched in key order
//   timeouts       due (8 bytes, order-preserving) + instance + NUL + name -> payload; the first
//                  key is the earliest timeout
//   timeout_names  instance + NUL + name -> due (8 bytes): cancel/replace by name, and every
//                  timeout of an instance by prefix
//   meta           "outbox-next" -> the next outbox sequence (never reused while the env lives)
//
// Instance ids and timeout names hold no NUL byte and are at most 200 bytes (checked), so a
// timeouts key stays under LMDB's 511-byte key limit and the NUL split is unambiguous.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/es/process_manager_types.h"
#include "cairn/lmdb/txn.h"

namespace cairn::es::process_store {

inline constexpr unsigned dbs_needed = 6;
inline constexpr std::size_t id_bytes_max = 200;

struct dbs {
  lmdb::dbi state;
  lmdb::dbi checkpoint;
  lmdb::dbi outbox;
  lmdb::dbi timeouts;
  lmdb::dbi timeout_names;
  lmdb::dbi meta;
};

// Creates the databases if missing; the handles are valid once this returns.
result<dbs> open_dbs(const lmdb::env& env);

// Order-preserving 8-byte encodings (signed: the sign bit is flipped).
std::string encode_u64(std::uint64_t v);
std::optional<std::uint64_t> decode_u64(std::string_view bytes);
std::string encode_due(std::int64_t due_ms);
std::optional<std::int64_t> decode_due(std::string_view bytes);

bool valid_id(std::string_view id);

std::string encode_message(const process_message& m);
result<process_message> decode_message(std::string_view json);

result<instance_record> load_instance(const lmdb::txn& t, const dbs& d, std::string_view id);
result<void> store_live(lmdb::txn& t, const dbs& d, std::string_view id, std::string_view json);
result<void> store_finished(lmdb::txn& t, const dbs& d, std::string_view id);

// false when there was no such timeout.
result<bool> cancel_timeout(lmdb::txn& t, const dbs& d, std::string_view id, std::string_view name);
result<void> schedule_timeout(lmdb::txn& t, const dbs& d, std::string_view id,
                              const timeout_request& r);
result<std::size_t> drop_timeouts(lmdb::txn& t, const dbs& d, std::string_view id);
// The earliest timeout, if any.
result<std::optional<process_timeout>> first_timeout(lmdb::txn& t, const dbs& d);
result<std::vector<process_timeout>> all_timeouts(lmdb::txn& t, const dbs& d);

struct outbox_entry {
  std::uint64_t seq = 0;
  process_message message;
};
// Appends with the next sequence; returns it.
result<std::uint64_t> append_outbox(lmdb::txn& t, const dbs& d, const process_message& m);
result<std::vector<outbox_entry>> load_outbox(lmdb::txn& t, const dbs& d, std::size_t max);
result<void> delete_outbox(lmdb::txn& t, const dbs& d, std::uint64_t seq);

// Writes one step of instance `id`, caused by `cause`: outbox entries (with their ids), timeout
// cancels then schedules, and the new state or the tombstone (which drops every timeout of the
// instance). Returns the outbox sequences written. REQUIRES: a write txn.
result<std::vector<std::uint64_t>> write_step(lmdb::txn& t, const dbs& d,
                                              std::string_view process_name, std::string_view id,
                                              std::string_view cause, std::int64_t now_ms,
                                              process_step step);

}  // namespace cairn::es::process_store
