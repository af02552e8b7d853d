// Which handler answers each served Kafka API (served_apis.h: which versions), and where it
// runs. The connection loop checks a request against served_apis() and routes it by handler_of().
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>

#include "broker/kafka/api.h"
#include "broker/kafka/served_apis.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Where a handler runs. `worker`: it may block on disk or on the controller (topic admin,
// first reads), so a worker thread runs it. `io`: it takes microseconds and touches state owned
// by the I/O thread (the group coordinator's reads). `awaits`: a coroutine on the I/O thread
// that waits without holding a thread (commits, long polls, group joins).
enum class runs_on { worker, io, awaits };

struct api_handler {
  api_key key;
  runs_on where = runs_on::worker;
  response (*blocking)(services&, const request&) = nullptr;  // worker or io
  boost::asio::awaitable<response> (*awaiting)(services&, const request&) = nullptr;  // awaits
};

// The handler of a served API. Every key of served_apis() has one (asserted on lookup; the
// bad-input test sends every served API to a real broker).
const api_handler& handler_of(api_key key);

}  // namespace cairn::broker::kafka
