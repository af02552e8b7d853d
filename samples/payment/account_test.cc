// The account decider, given/when/then with no broker: every refusal, holds and the available
// balance, and the steps the payment desk retries converging instead of doubling.
#include "samples/payment/account.h"

#include <catch2/catch.hpp>

#include "cairn/es/event_registry.h"

using namespace samples::payment;
using cairn::es::given;

namespace {

money_deposited deposited(std::int64_t cents) {
  money_deposited e;
  e.amount_cents = cents;
  return e;
}
funds_held held(std::string payment_id, std::int64_t cents) {
  return funds_held{{.payment_id = std::move(payment_id), .amount_cents = cents}};
}
hold_captured captured(std::string payment_id, std::int64_t cents) {
  return hold_captured{{.payment_id = std::move(payment_id), .amount_cents = cents}};
}
hold_released released(std::string payment_id, std::int64_t cents) {
  return hold_released{{.payment_id = std::move(payment_id), .amount_cents = cents}};
}
money_refunded refunded(std::string payment_id, std::int64_t cents) {
  return money_refunded{{.payment_id = std::move(payment_id), .amount_cents = cents}};
}

const std::vector<account_event> kAnnWith100 = {account_opened{"Ann"}, deposited(100'00)};

}  // namespace

TEST_CASE("account: open deposit and withdraw move the balance", "[payment]") {
  CHECK(given<account>().when(open_account{"Ann"}).then({account_opened{"Ann"}}));
  CHECK(given<account>({account_opened{"Ann"}}).when(deposit{10'00}).then({deposited(10'00)}));
  money_withdrawn w;
  w.amount_cents = 40'00;
  CHECK(given<account>(kAnnWith100).when(withdraw{40'00}).then({w}));
  auto after = given<account>(kAnnWith100).when(withdraw{100'00}).then_state();
  CHECK(after.balance_cents == 0);
  CHECK(after.owner == "Ann");
  CHECK(after.status == account_status::open);
}

TEST_CASE("account: refusals of deposits and withdrawals", "[payment]") {
  CHECK(given<account>().when(deposit{1}).then_error(account_refusal::not_open));
  CHECK(given<account>().when(withdraw{1}).then_error(account_refusal::not_open));
  CHECK(given<account>({account_opened{"Ann"}})
            .when(open_account{"Ann"})
            .then_error(account_refusal::already_open));
  CHECK(given<account>({account_opened{"Ann"}})
            .when(deposit{0})
            .then_error(account_refusal::not_positive));
  CHECK(given<account>(kAnnWith100).when(withdraw{-5}).then_error(account_refusal::not_positive));
  CHECK(given<account>(kAnnWith100)
            .when(withdraw{100'01})
            .then_error(account_refusal::insufficient_funds));
}

TEST_CASE("account: a hold makes money unavailable but keeps it in the balance", "[payment]") {
  auto s = given<account>(kAnnWith100).when(hold_funds{"pay-1", 60'00}).then_state();
  CHECK(s.balance_cents == 100'00);
  CHECK(s.held_cents == 60'00);
  CHECK(s.available_cents() == 40'00);
  std::vector<account_event> with_hold = kAnnWith100;
  with_hold.push_back(held("pay-1", 60'00));
  CHECK(given<account>(with_hold)
            .when(withdraw{40'01})
            .then_error(account_refusal::insufficient_funds));
  CHECK(given<account>(with_hold)
            .when(hold_funds{"pay-2", 40'01})
            .then_error(account_refusal::insufficient_funds));
  CHECK(given<account>(with_hold).when(hold_funds{"pay-2", 40'00}).then({held("pay-2", 40'00)}));
  CHECK(given<account>(kAnnWith100)
            .when(hold_funds{"pay-1", 0})
            .then_error(account_refusal::not_positive));
}

TEST_CASE("account: holding a held payment again is a no-op", "[payment]") {
  std::vector<account_event> with_hold = kAnnWith100;
  with_hold.push_back(held("pay-1", 60'00));
  CHECK(given<account>(with_hold).when(hold_funds{"pay-1", 60'00}).then({}));
  CHECK(given<account>(with_hold)
            .when(hold_funds{"pay-1", 10'00})
            .then_error(account_refusal::hold_conflict));
}

TEST_CASE("account: capture takes the held money and release gives it back", "[payment]") {
  std::vector<account_event> with_hold = kAnnWith100;
  with_hold.push_back(held("pay-1", 60'00));
  auto captured_state = given<account>(with_hold).when(capture_hold{"pay-1"}).then_state();
  CHECK(captured_state.balance_cents == 40'00);
  CHECK(captured_state.held_cents == 0);
  CHECK(captured_state.available_cents() == 40'00);
  CHECK(given<account>(with_hold).when(capture_hold{"pay-1"}).then({captured("pay-1", 60'00)}));

  auto released_state = given<account>(with_hold).when(release_hold{"pay-1"}).then_state();
  CHECK(released_state.balance_cents == 100'00);
  CHECK(released_state.available_cents() == 100'00);
  CHECK(given<account>(with_hold).when(release_hold{"pay-1"}).then({released("pay-1", 60'00)}));
}

TEST_CASE("account: settled holds answer retries and refuse the other settlement", "[payment]") {
  std::vector<account_event> captured_history = kAnnWith100;
  captured_history.push_back(held("pay-1", 60'00));
  captured_history.push_back(captured("pay-1", 60'00));
  CHECK(given<account>(captured_history).when(capture_hold{"pay-1"}).then({}));
  CHECK(given<account>(captured_history)
            .when(release_hold{"pay-1"})
            .then_error(account_refusal::hold_captured));
  CHECK(given<account>(captured_history)
            .when(hold_funds{"pay-1", 60'00})
            .then_error(account_refusal::hold_conflict));

  std::vector<account_event> released_history = kAnnWith100;
  released_history.push_back(held("pay-1", 60'00));
  released_history.push_back(released("pay-1", 60'00));
  CHECK(given<account>(released_history).when(release_hold{"pay-1"}).then({}));
  CHECK(given<account>(released_history)
            .when(capture_hold{"pay-1"})
            .then_error(account_refusal::hold_released));

  CHECK(given<account>(kAnnWith100)
            .when(capture_hold{"pay-9"})
            .then_error(account_refusal::unknown_hold));
  CHECK(given<account>(kAnnWith100)
            .when(release_hold{"pay-9"})
            .then_error(account_refusal::unknown_hold));
  CHECK(given<account>().when(capture_hold{"pay-9"}).then_error(account_refusal::not_open));
}

TEST_CASE("account: refunds return at most what a payment captured", "[payment]") {
  std::vector<account_event> history = kAnnWith100;
  history.push_back(held("pay-1", 60'00));
  history.push_back(captured("pay-1", 60'00));
  CHECK(given<account>(history)
            .when(refund_payment{"pay-1", 20'00})
            .then({refunded("pay-1", 20'00)}));
  history.push_back(refunded("pay-1", 20'00));
  CHECK(given<account>(history).when(refund_payment{"pay-1", 40'00}).then_state().balance_cents ==
        100'00);
  CHECK(given<account>(history)
            .when(refund_payment{"pay-1", 40'01})
            .then_error(account_refusal::refund_exceeds_capture));
  CHECK(given<account>(history)
            .when(refund_payment{"pay-2", 1})
            .then_error(account_refusal::unknown_capture));
  CHECK(given<account>(history)
            .when(refund_payment{"pay-1", 0})
            .then_error(account_refusal::not_positive));
}

TEST_CASE("account: closing refuses while holds are open and freezes the account", "[payment]") {
  std::vector<account_event> with_hold = kAnnWith100;
  with_hold.push_back(held("pay-1", 60'00));
  CHECK(given<account>(with_hold).when(close_account{}).then_error(account_refusal::holds_pending));
  CHECK(given<account>().when(close_account{}).then_error(account_refusal::not_open));
  CHECK(given<account>(kAnnWith100).when(close_account{}).then({account_closed{}}));

  std::vector<account_event> closed = kAnnWith100;
  closed.push_back(account_closed{});
  CHECK(given<account>(closed).when(close_account{}).then({}));
  CHECK(given<account>(closed).when(deposit{1}).then_error(account_refusal::closed));
  CHECK(given<account>(closed).when(withdraw{1}).then_error(account_refusal::closed));
  CHECK(given<account>(closed).when(hold_funds{"pay-1", 1}).then_error(account_refusal::closed));
  CHECK(given<account>(closed).when(open_account{"Ann"}).then_error(account_refusal::already_open));
  CHECK(given<account>(closed).state().status == account_status::closed);
}

TEST_CASE("account: events survive the Cap'n Proto codec and malformed ones are refused",
          "[payment]") {
  cairn::es::event_registry<account_event> registry;
  for (const account_event& e : std::vector<account_event>{
           account_opened{"Ann"}, deposited(1), held("pay-1", 2), captured("pay-1", 2),
           released("pay-2", 3), refunded("pay-1", 1), account_closed{}}) {
    auto data = registry.encode(e);
    auto back = registry.decode(data.type, data.data);
    REQUIRE(back);
    CHECK(back.value() == e);
  }
  auto no_payment = cairn::es::encode_capnp(held("", 5));
  CHECK(registry.decode(funds_held::type, no_payment).error() == cairn::es::errc::malformed_event);
}
