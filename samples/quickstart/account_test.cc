// The account decider of the quickstart, tested as docs/sdk.md shows: given/when/then, no broker.
#include "samples/quickstart/account.h"

#include <catch2/catch.hpp>

#include "cairn/es/decider.h"

using namespace quickstart;
using cairn::es::given;

TEST_CASE("quickstart account: deposits and withdrawals follow the balance", "[samples]") {
  CHECK(
      given<account>({account_opened{"Ann"}}).when(deposit{10'00}).then({money_deposited{10'00}}));
  CHECK(given<account>({account_opened{"Bob"}, money_deposited{40'00}})
            .when(withdraw{90'00})
            .then_error(refusal::insufficient_funds));
  CHECK(given<account>({account_opened{"Bob"}, money_deposited{40'00}})
            .when(withdraw{40'00})
            .then_state()
            .balance_cents == 0);
}

TEST_CASE("quickstart account: refusals", "[samples]") {
  CHECK(given<account>().when(deposit{1}).then_error(refusal::not_open));
  CHECK(given<account>({account_opened{"Ann"}})
            .when(open_account{"Ann"})
            .then_error(refusal::already_open));
  CHECK(given<account>({account_opened{"Ann"}}).when(deposit{0}).then_error(refusal::not_positive));
  CHECK(
      given<account>({account_opened{"Ann"}}).when(withdraw{-5}).then_error(refusal::not_positive));
}
