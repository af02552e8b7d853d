// The HTTP JSON API of booking-service (samples::http::router; handlers block on the SDK):
//   POST /inventory      {"item", "units", "priceCents"}           -> 201 the item's stock
//   POST /bookings       {"id"?, "item", "units"? (1), "accountId"} -> 202 awaiting payment,
//                        409 {"error": "sold_out"|"unknown_item", "id", "status": "rejected"}
//   GET  /bookings/{id}  the read model's booking                   -> 200, 404
//   GET  /availability[?item=X]  one item (404 unknown) or all items
//   GET  /model          {"checksum", "lag"} of the read model
//   GET  /health         {"status": "ok"}
// 400 for malformed JSON or missing/out-of-range fields, 409 for refusals {"error": "<refusal>",
// "message"}, 503 when the broker cannot be reached (retry later).
#pragma once

#include <vector>

#include "cairn/client.h"
#include "cairn/es/projection.h"
#include "samples/booking/booking_desk.h"
#include "samples/common/http_server.h"

namespace samples::booking {

struct api_context {
  booking_desk& desk;
  const cairn::es::projection& model;
  cairn::client& client;  // for the model's lag
};

// The routes; `context` must outlive the router and the server serving it.
http::router make_routes(api_context& context);

}  // namespace samples::booking
