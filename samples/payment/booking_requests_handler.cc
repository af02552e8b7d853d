#include "samples/payment/booking_requests_handler.h"

#include <cstdio>

#include "cairn/es/overloaded.h"

namespace samples::payment {

using cairn::es::overloaded;

namespace {

// A refusal is logged and the record is done; anything else goes back to the handler, which
// retries it (and parks it in the DLQ when retries do not help).
cairn::result<void> settle(const char* what, const std::string& payment_id,
                           const cairn::result<payment_outcome>& outcome) {
  if (outcome) {
    std::printf("payment-service: %s %s: %s%s\n", what, payment_id.c_str(),
                std::string(status_name(outcome.value().state.status)).c_str(),
                outcome.value().duplicate ? " (already done)" : "");
    std::fflush(stdout);
    return cairn::success();
  }
  if (is_refusal(outcome.error())) {
    std::printf("payment-service: %s %s: nothing to do (%s)\n", what, payment_id.c_str(),
                refusal_name_of(outcome.error()).c_str());
    std::fflush(stdout);
    return cairn::success();
  }
  std::fprintf(stderr, "payment-service: %s %s failed, will retry: %s\n", what, payment_id.c_str(),
               outcome.error().message().c_str());
  return outcome.error();
}

}  // namespace

cairn::result<void> handle_booking_event(payment_desk& desk, const contracts::booking_event& event,
                                         const cairn::es::envelope& where) {
  using namespace samples::contracts;
  return std::visit(
      overloaded{[&](const payment_requested& r) {
                   return settle(
                       "authorize", r.payment_id,
                       desk.authorize(r.payment_id, r.account_id, r.amount_cents, where.stream_id));
                 },
                 [&](const booking_confirmed& c) {
                   return settle("capture", c.payment_id, desk.capture(c.payment_id));
                 },
                 [&](const booking_cancelled& c) -> cairn::result<void> {
                   if (c.payment_id.empty()) return cairn::success();
                   return settle("void", c.payment_id, desk.void_payment(c.payment_id));
                 },
                 [&](const auto&) -> cairn::result<void> { return cairn::success(); }},
      event);
}

cairn::result<std::unique_ptr<cairn::es::event_handler>> create_booking_requests_handler(
    cairn::client& client, const cairn::es::event_registry<contracts::booking_event>& registry,
    payment_desk& desk, std::string instance_id) {
  cairn::es::event_handler_options options{.topics = {std::string(contracts::kBookingsTopic)},
                                           .group = std::string(kHandlerGroup)};
  options.consumer.group_instance_id = std::move(instance_id);
  std::function<cairn::result<void>(const contracts::booking_event&, const cairn::es::envelope&)>
      fn = [&desk](const contracts::booking_event& e, const cairn::es::envelope& where) {
        return handle_booking_event(desk, e, where);
      };
  return cairn::es::event_handler::create(
      client, std::move(options), cairn::es::typed_handler<contracts::booking_event>(registry, fn));
}

}  // namespace samples::payment
