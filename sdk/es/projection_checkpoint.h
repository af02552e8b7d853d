// The checkpoint database of a projection: key "topic/partition" (Kafka topic names cannot hold
// '/', so the split is unambiguous), value the next offset to apply as 8 big-endian bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cairn/consumer.h"
#include "cairn/lmdb/txn.h"

namespace cairn::es::checkpoint {

inline constexpr const char* db_name = "checkpoint";

std::string encode_key(const topic_partition& tp);
std::string encode_offset(std::int64_t next_offset);
// nullopt for a value that is not 8 bytes (a corrupt or foreign database).
std::optional<std::int64_t> decode_offset(std::string_view value);

// The next offset of tp; 0 when it has none.
result<std::int64_t> load(const lmdb::txn& t, lmdb::dbi db, const topic_partition& tp);
result<std::map<topic_partition, std::int64_t>> load_all(lmdb::txn& t, lmdb::dbi db);
result<void> store(lmdb::txn& t, lmdb::dbi db, const topic_partition& tp, std::int64_t next);

// Assigns `partitions` to `c` and seeks each to its checkpoint, or to the log start without one:
// how a projection or a process manager resumes. Blocking (the SDK has no coroutine seek to a
// log start).
result<void> resume(consumer& c, const std::vector<topic_partition>& partitions,
                    const std::map<topic_partition, std::int64_t>& next);

}  // namespace cairn::es::checkpoint
