// The payment decider, given/when/then with no broker: its state machine, every refusal, and
// repeated steps converging (no events) so retries and redeliveries are harmless.
#include "samples/payment/payment.h"

#include <catch2/catch.hpp>

using namespace samples::payment;
using namespace samples::contracts;
using cairn::es::given;

namespace {

template <class E>
E amount(std::int64_t cents) {
  E e;
  e.amount_cents = cents;
  return e;
}

const payment_event kAuthorized = payment_authorized{"acc-ann", 60'00, "bk-1"};
const payment_event kDeclined = payment_declined{"acc-bob", 60'00, "bk-2", "insufficient_funds"};

}  // namespace

TEST_CASE("payment: authorize and decline decide a new payment once", "[payment]") {
  CHECK(given<payment_decider>()
            .when(authorize_payment{"acc-ann", 60'00, "bk-1"})
            .then({kAuthorized}));
  CHECK(given<payment_decider>()
            .when(decline_payment{"acc-bob", 60'00, "bk-2", "insufficient_funds"})
            .then({kDeclined}));
  // The same decision again: nothing new.
  CHECK(given<payment_decider>({kAuthorized})
            .when(authorize_payment{"acc-ann", 60'00, "bk-1"})
            .then({}));
  CHECK(given<payment_decider>({kDeclined})
            .when(decline_payment{"acc-bob", 60'00, "bk-2", "insufficient_funds"})
            .then({}));
  // Another decision: refused.
  CHECK(given<payment_decider>({kAuthorized})
            .when(authorize_payment{"acc-ann", 70'00, "bk-1"})
            .then_error(payment_refusal::already_decided));
  CHECK(given<payment_decider>({kAuthorized})
            .when(decline_payment{"acc-ann", 60'00, "bk-1", "insufficient_funds"})
            .then_error(payment_refusal::already_decided));
  CHECK(given<payment_decider>({kDeclined})
            .when(authorize_payment{"acc-bob", 60'00, "bk-2"})
            .then_error(payment_refusal::already_decided));
  auto s = given<payment_decider>({kDeclined}).state();
  CHECK(s.status == payment_status::declined);
  CHECK(s.reason == "insufficient_funds");
}

TEST_CASE("payment: capture and void settle an authorized payment", "[payment]") {
  CHECK(given<payment_decider>({kAuthorized})
            .when(capture_payment{})
            .then({amount<payment_captured>(60'00)}));
  CHECK(given<payment_decider>({kAuthorized})
            .when(void_payment{})
            .then({amount<payment_voided>(60'00)}));
  const std::vector<payment_event> captured = {kAuthorized, amount<payment_captured>(60'00)};
  const std::vector<payment_event> voided = {kAuthorized, amount<payment_voided>(60'00)};
  CHECK(given<payment_decider>(captured).when(capture_payment{}).then({}));
  CHECK(given<payment_decider>(voided).when(void_payment{}).then({}));
  CHECK(given<payment_decider>(captured)
            .when(void_payment{})
            .then_error(payment_refusal::already_captured));
  CHECK(given<payment_decider>(voided)
            .when(capture_payment{})
            .then_error(payment_refusal::not_authorized));
  CHECK(given<payment_decider>({kDeclined})
            .when(capture_payment{})
            .then_error(payment_refusal::not_authorized));
  CHECK(given<payment_decider>({kDeclined})
            .when(void_payment{})
            .then_error(payment_refusal::not_authorized));
  CHECK(given<payment_decider>().when(capture_payment{}).then_error(payment_refusal::not_found));
  CHECK(given<payment_decider>().when(void_payment{}).then_error(payment_refusal::not_found));
  CHECK(given<payment_decider>(captured).state().status == payment_status::captured);
  CHECK(given<payment_decider>(voided).state().status == payment_status::voided);
}

TEST_CASE("payment: refunds are partial and never exceed the capture", "[payment]") {
  const std::vector<payment_event> captured = {kAuthorized, amount<payment_captured>(60'00)};
  CHECK(given<payment_decider>(captured)
            .when(refund_payment_cents{20'00})
            .then({amount<payment_refunded>(20'00)}));
  auto once = given<payment_decider>(captured).when(refund_payment_cents{20'00}).then_state();
  CHECK(once.status == payment_status::refunded);
  CHECK(once.refundable_cents() == 40'00);
  CHECK(once.refunds == 1);

  std::vector<payment_event> partly = captured;
  partly.push_back(amount<payment_refunded>(20'00));
  CHECK(given<payment_decider>(partly)
            .when(refund_payment_cents{40'00})
            .then({amount<payment_refunded>(40'00)}));
  CHECK(given<payment_decider>(partly)
            .when(refund_payment_cents{40'01})
            .then_error(payment_refusal::refund_exceeds_capture));
  CHECK(given<payment_decider>(captured)
            .when(refund_payment_cents{0})
            .then_error(payment_refusal::not_positive));
  CHECK(given<payment_decider>({kAuthorized})
            .when(refund_payment_cents{1})
            .then_error(payment_refusal::not_captured));
  CHECK(given<payment_decider>()
            .when(refund_payment_cents{1})
            .then_error(payment_refusal::not_found));
  // Refunded is still captured money: a late capture retry converges, a void is refused.
  CHECK(given<payment_decider>(partly).when(capture_payment{}).then({}));
  CHECK(given<payment_decider>(partly)
            .when(void_payment{})
            .then_error(payment_refusal::already_captured));
}
