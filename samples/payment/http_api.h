// The HTTP JSON API of payment-service (samples/payment/README.md lists it). Commands go through
// the payment desk and answer with the state they produced; GETs read the read model, which
// lags the commands slightly (GET /model says by how much).
//
// Answers: 400 for malformed JSON or a missing, mistyped or out-of-range field; 404 for an
// unknown account or payment; 409 {"error": <refusal name>, "message"} when the domain refuses;
// 503 when the broker cannot be reached (try again); 500 for anything else.
#pragma once

#include <vector>

#include "cairn/client.h"
#include "cairn/es/projection.h"
#include "samples/common/http_server.h"
#include "samples/payment/payment_desk.h"

namespace samples::payment {

struct http_api_context {
  payment_desk& desk;
  const cairn::es::projection& model;
  cairn::client& client;
  std::vector<cairn::topic_partition> model_partitions;  // for GET /model's lag
};

// The routes; `context` must outlive the server that serves them.
samples::http::router make_routes(const http_api_context& context);

// An id the API accepts in a path or body: 1..64 bytes of [A-Za-z0-9._:-]. Ids become record
// keys and path segments, so anything else (a slash, spaces, control bytes) is refused with 400.
bool valid_id(std::string_view id);

}  // namespace samples::payment
