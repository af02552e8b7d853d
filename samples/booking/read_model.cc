#include "samples/booking/read_model.h"

#include "cairn/es/envelope.h"
#include "cairn/es/event_registry.h"
#include "cairn/es/overloaded.h"
#include "samples/booking/booking.h"
#include "samples/booking/inventory.h"
#include "samples/common/service.h"

namespace samples::booking {

using cairn::es::overloaded;

namespace {

namespace es = cairn::es;
using namespace samples::contracts;

constexpr std::string_view kAvailabilityDb = "availability";
constexpr std::string_view kBookingsDb = "bookings";

// The rows as plain values: each is written out whole in a fixed field order.
struct availability_row {
  std::string item;
  std::int64_t capacity = 0;
  std::int64_t held = 0;
  std::int64_t sold = 0;
  std::int64_t price_cents = 0;
};

struct booking_row {
  std::string id;
  std::string status;
  std::string item;
  std::int64_t units = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string reason;
};

std::string to_json(const availability_row& r) {
  return boost::json::serialize(boost::json::object{{"item", r.item},
                                                    {"capacity", r.capacity},
                                                    {"held", r.held},
                                                    {"sold", r.sold},
                                                    {"available", r.capacity - r.held - r.sold},
                                                    {"priceCents", r.price_cents}});
}

std::string to_json(const booking_row& r) {
  boost::json::object o{
      {"id", r.id},       {"status", r.status},        {"item", r.item},
      {"units", r.units}, {"accountId", r.account_id}, {"amountCents", r.amount_cents}};
  if (!r.reason.empty()) o["reason"] = r.reason;
  return boost::json::serialize(o);
}

std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::string text_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}
std::int64_t int_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

availability_row availability_from(std::string_view stored) {
  availability_row r;
  if (auto o = parse_object(stored)) {
    r = {text_field(*o, "item"), int_field(*o, "capacity"), int_field(*o, "held"),
         int_field(*o, "sold"), int_field(*o, "priceCents")};
  }
  return r;
}

booking_row booking_from(std::string_view stored) {
  booking_row r;
  if (auto o = parse_object(stored)) {
    r = {text_field(*o, "id"),    text_field(*o, "status"),    text_field(*o, "item"),
         int_field(*o, "units"),  text_field(*o, "accountId"), int_field(*o, "amountCents"),
         text_field(*o, "reason")};
  }
  return r;
}

cairn::result<void> apply_inventory(es::projection_txn& t, const std::string& item,
                                    const inventory_event& e) {
  auto db = t.db(kAvailabilityDb);
  CAIRN_TRY(auto stored, db.get(item));
  availability_row r = stored ? availability_from(*stored) : availability_row{};
  r.item = item;
  std::visit(overloaded{[&](const stock_added& a) {
                          r.capacity += a.units;
                          r.price_cents = a.price_cents;
                        },
                        [&](const units_held& h) { r.held += h.units; },
                        [&](const hold_released& x) { r.held -= x.units; },
                        [&](const hold_confirmed& f) {
                          r.held -= f.units;
                          r.sold += f.units;
                        }},
             e);
  return db.put(item, to_json(r));
}

cairn::result<void> apply_booking(es::projection_txn& t, const std::string& id,
                                  const booking_event& e) {
  auto db = t.db(kBookingsDb);
  CAIRN_TRY(auto stored, db.get(id));
  booking_row r = stored ? booking_from(*stored) : booking_row{};
  r.id = id;
  std::visit(overloaded{[&](const booking_requested& q) {
                          r.status = std::string(status_name(booking_status::requested));
                          r.item = q.item;
                          r.units = q.units;
                          r.account_id = q.account_id;
                        },
                        [&](const booking_rejected& x) {
                          r.status = std::string(status_name(booking_status::rejected));
                          r.reason = x.reason;
                        },
                        [&](const payment_requested& p) {
                          r.status = std::string(status_name(booking_status::awaiting_payment));
                          r.amount_cents = p.amount_cents;
                        },
                        [&](const booking_confirmed&) {
                          r.status = std::string(status_name(booking_status::confirmed));
                        },
                        [&](const booking_cancelled& x) {
                          r.status = std::string(status_name(booking_status::cancelled));
                          r.reason = x.reason;
                        }},
             e);
  return db.put(id, to_json(r));
}

// Immutable after construction, shared by the apply function of every model opened.
const es::event_registry<inventory_event>& inventory_registry() {
  static const es::event_registry<inventory_event> registry;
  return registry;
}
const es::event_registry<booking_event>& booking_registry() {
  static const es::event_registry<booking_event> registry;
  return registry;
}

// A record of another type (a future event, another writer's) is skipped, not an error that
// would stop the model forever; a known type that does not decode is an error.
cairn::result<void> apply_record(es::projection_txn& t, const cairn::consumer_record& record) {
  if (!record.value || !record.key) return cairn::success();
  const auto m = es::envelope_of(record);
  if (record.topic == kInventoryTopic) {
    const auto& registry = inventory_registry();
    if (!registry.knows(m.type)) return cairn::success();
    CAIRN_TRY(auto e, registry.decode(m.type, *record.value));
    return apply_inventory(t, *record.key, e);
  }
  if (record.topic == kBookingsTopic) {
    const auto& registry = booking_registry();
    if (!registry.knows(m.type)) return cairn::success();
    CAIRN_TRY(auto e, registry.decode(m.type, *record.value));
    return apply_booking(t, *record.key, e);
  }
  return cairn::success();
}

}  // namespace

cairn::result<std::vector<cairn::topic_partition>> read_model_partitions(cairn::client& client) {
  return samples::partitions_of(client, {kInventoryTopic, kBookingsTopic});
}

cairn::result<std::unique_ptr<es::projection>> open_read_model(
    const std::filesystem::path& dir, std::vector<cairn::topic_partition> partitions) {
  es::projection_options options{.dir = dir, .dbs = {"availability", "bookings"}};
  options.partitions = std::move(partitions);
  options.poll_timeout_ms = 200;
  return es::projection::open(std::move(options), apply_record);
}

cairn::result<std::optional<boost::json::object>> find_booking(const es::projection& model,
                                                               const std::string& id) {
  using found = std::optional<boost::json::object>;
  return model.query<found>([&](es::projection_txn& t) -> cairn::result<found> {
    CAIRN_TRY(auto stored, t.db(kBookingsDb).get(id));
    if (!stored) return found{};
    return parse_object(*stored);
  });
}

cairn::result<std::optional<boost::json::object>> find_availability(const es::projection& model,
                                                                    const std::string& item) {
  using found = std::optional<boost::json::object>;
  return model.query<found>([&](es::projection_txn& t) -> cairn::result<found> {
    CAIRN_TRY(auto stored, t.db(kAvailabilityDb).get(item));
    if (!stored) return found{};
    return parse_object(*stored);
  });
}

cairn::result<boost::json::array> all_availability(const es::projection& model,
                                                   std::size_t items_max) {
  return model.query<boost::json::array>(
      [&](es::projection_txn& t) -> cairn::result<boost::json::array> {
        boost::json::array items;
        CAIRN_TRY(t.db(kAvailabilityDb).for_each([&](std::string_view, std::string_view value) {
          if (auto o = parse_object(value)) items.push_back(std::move(*o));
          return items.size() < items_max;
        }));
        return items;
      });
}

}  // namespace samples::booking
