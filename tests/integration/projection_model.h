// The read model the projection integration tests build, shared by the test and its child
// process (projection_runner): order- and count-sensitive, so an event applied twice or
// skipped changes it. db "counts": key -> events seen; db "log": partition/offset -> value.
#pragma once

#include "cairn/es/projection.h"

namespace cairn::testing {

inline const std::vector<std::string> projection_dbs = {"counts", "log"};

inline result<void> apply_test_event(es::projection_txn& v, const consumer_record& r) {
  const std::string key = r.key.value_or("");
  auto counts = v.db("counts");
  CAIRN_TRY(auto old, counts.get(key));
  std::int64_t n = old ? std::stoll(std::string(*old)) : 0;
  CAIRN_TRY(counts.put(key, std::to_string(n + 1)));
  char pos[32];
  std::snprintf(pos, sizeof pos, "%04d/%012lld", r.partition, static_cast<long long>(r.offset));
  return v.db("log").put(pos, r.value.value_or(""));
}

}  // namespace cairn::testing
