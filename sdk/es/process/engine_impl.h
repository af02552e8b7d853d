// What process_engine keeps of its LMDB environment: the env and its database handles.
#pragma once

#include "cairn/es/process_manager_engine.h"
#include "cairn/lmdb/env.h"
#include "sdk/es/process/store.h"

namespace cairn::es {

struct process_engine::impl {
  lmdb::env env;
  process_store::dbs dbs;
};

// Messages sent per dispatch round: bounds the memory of one round and how long a failure
// waits to be reported.
inline constexpr std::size_t dispatch_batch_max = 256;

}  // namespace cairn::es
