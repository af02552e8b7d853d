// The table of served Kafka APIs: for each, the versions served, where its flexible encoding
// starts, and its handler with where it runs. The connection loop routes by it and ApiVersions
// answers from it, so the two cannot disagree.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Where a handler runs. `worker`: it may block on disk or on the controller (topic admin,
// first reads), so a worker thread runs it. `io`: it takes microseconds and touches state owned
// by the I/O thread (the group coordinator's reads). `awaits`: a coroutine on the I/O thread
// that waits without holding a thread (commits, long polls, group joins).
enum class runs_on { worker, io, awaits };

struct api_handler {
  api_key key;
  std::int16_t min_version = 0;
  std::int16_t max_version = 0;
  std::int16_t flexible_from = -1;  // first flexible version; -1 when none is served
  runs_on where = runs_on::worker;
  response (*blocking)(services&, const request&) = nullptr;  // worker or io
  boost::asio::awaitable<response> (*awaiting)(services&, const request&) = nullptr;  // awaits

  bool flexible(std::int16_t version) const {
    return flexible_from >= 0 && version >= flexible_from;
  }
};

// Every served API, in key order.
std::span<const api_handler> served_apis();
// The entry for `key`, or null when this broker does not serve that API.
const api_handler* find_api(std::int16_t key);

}  // namespace cairn::broker::kafka
