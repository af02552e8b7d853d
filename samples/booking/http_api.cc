#include "samples/booking/http_api.h"

#include "cairn/es/process_manager_dispatch.h"
#include "samples/booking/read_model.h"
#include "samples/common/service.h"

namespace samples::booking {
namespace {

using http::request;
using http::response;
using http::status;

// Booking ids become stream keys and URL path segments: a short, plain alphabet keeps both
// unambiguous (no '/', no percent-encoding surprises).
constexpr std::size_t kIdBytesMax = 64;
bool plain_id(std::string_view id) {
  if (id.empty() || id.size() > kIdBytesMax) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Item ids are free text ("hotel-astoria/2026-12-24") but printable: no control bytes in a key.
constexpr std::size_t kItemBytesMax = 200;
bool printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

response failure(std::error_code ec) {
  if (auto name = booking_refusal_name(ec); !name.empty()) {
    return http::error(status::conflict, name, ec.message());
  }
  if (auto name = inventory_refusal_name(ec); !name.empty()) {
    return http::error(status::conflict, name, ec.message());
  }
  if (cairn::es::transient(ec)) {
    return http::error(status::service_unavailable, "unavailable",
                       "the event store cannot be reached, try again: " + ec.message());
  }
  return http::error(status::internal_server_error, "internal", ec.message());
}

response post_inventory(api_context& ctx, const request& r) {
  auto parsed = http::json_body::parse(r);
  if (auto* bad = std::get_if<response>(&parsed)) return *bad;
  auto& b = std::get<http::json_body>(parsed);
  auto item = b.text("item", kItemBytesMax);
  auto units = b.integer("units", 1, kUnitsMax);
  auto price = b.integer("priceCents", 1, kPriceCentsMax);
  if (auto bad = b.error()) return *bad;
  if (!printable(*item)) {
    return http::error(status::bad_request, "bad_request", "\"item\" has control characters");
  }
  auto stock = ctx.desk.add_stock(*item, *units, *price);
  if (!stock) return failure(stock.error());
  const auto& s = stock.value();
  return {status::created, boost::json::object{{"item", s.item},
                                               {"capacity", s.capacity},
                                               {"available", s.available},
                                               {"priceCents", s.price_cents}}};
}

response post_booking(api_context& ctx, const request& r) {
  auto parsed = http::json_body::parse(r);
  if (auto* bad = std::get_if<response>(&parsed)) return *bad;
  auto& b = std::get<http::json_body>(parsed);
  booking_request req;
  auto id = b.optional_text("id", kIdBytesMax);
  auto item = b.text("item", kItemBytesMax);
  auto account = b.text("accountId", kItemBytesMax);
  // "units" is optional (one room, one seat); json_body knows only required integers, so its
  // presence is looked up in the body (already parsed once: it is a valid JSON object).
  if (boost::json::parse(r.body).as_object().contains("units")) {
    if (auto units = b.integer("units", 1, kUnitsMax)) req.units = *units;
  }
  if (auto bad = b.error()) return *bad;
  if (id && !plain_id(*id)) {
    return http::error(status::bad_request, "bad_request",
                       "\"id\" must be 1 to 64 of A-Z a-z 0-9 - _ .");
  }
  if (!printable(*item) || !printable(*account)) {
    return http::error(status::bad_request, "bad_request", "control characters in a field");
  }
  req.id = id.value_or("");
  req.item = *item;
  req.account_id = *account;

  auto placed = ctx.desk.place(req);
  if (!placed) return failure(placed.error());
  const auto& p = placed.value();
  if (!p.rejected_because.empty()) {
    return {status::conflict,
            boost::json::object{{"error", p.rejected_because},
                                {"message", "the booking was rejected: " + p.rejected_because},
                                {"id", p.id},
                                {"status", status_name(p.status)}}};
  }
  return {status::accepted,
          boost::json::object{
              {"id", p.id}, {"status", status_name(p.status)}, {"amountCents", p.amount_cents}}};
}

response get_booking(api_context& ctx, const request& r) {
  const auto& id = r.params.at("id");
  auto found = find_booking(ctx.model, id);
  if (!found) return failure(found.error());
  if (!found.value()) return http::error(status::not_found, "not_found", "no booking " + id);
  return {status::ok, std::move(*found.value())};
}

response get_availability(api_context& ctx, const request& r) {
  if (auto item = r.query.find("item"); item != r.query.end()) {
    auto found = find_availability(ctx.model, item->second);
    if (!found) return failure(found.error());
    if (!found.value()) {
      return http::error(status::not_found, "not_found", "no item " + item->second);
    }
    return {status::ok, std::move(*found.value())};
  }
  auto all = all_availability(ctx.model);
  if (!all) return failure(all.error());
  return {status::ok, boost::json::object{{"items", std::move(all).value()}}};
}

response get_model(api_context& ctx) {
  auto checksum = model_checksum(ctx.model);
  if (!checksum) return failure(checksum.error());
  auto partitions = read_model_partitions(ctx.client);
  if (!partitions) return failure(partitions.error());
  auto lag = model_lag(ctx.client, ctx.model, partitions.value());
  if (!lag) return failure(lag.error());
  return {status::ok, boost::json::object{{"checksum", checksum.value()}, {"lag", lag.value()}}};
}

}  // namespace

http::router make_routes(api_context& ctx) {
  http::router routes;
  routes.add(http::verb::post, "/inventory",
             [&ctx](const request& r) { return post_inventory(ctx, r); });
  routes.add(http::verb::post, "/bookings",
             [&ctx](const request& r) { return post_booking(ctx, r); });
  routes.add(http::verb::get, "/bookings/{id}",
             [&ctx](const request& r) { return get_booking(ctx, r); });
  routes.add(http::verb::get, "/availability",
             [&ctx](const request& r) { return get_availability(ctx, r); });
  routes.add(http::verb::get, "/model", [&ctx](const request&) { return get_model(ctx); });
  routes.add(http::verb::get, "/health", [](const request&) {
    return response{status::ok, boost::json::object{{"status", "ok"}}};
  });
  return routes;
}

}  // namespace samples::booking
