// The account decider through given/when/then: no broker, no I/O.
// (Commands are named before when(): g++ 12 reports a false -Wmaybe-uninitialized on a temporary
// variant holding a std::string at -O2.)
#include <catch2/catch.hpp>

#include "tests/unit/sdk/es_account.h"

namespace es = cairn::es;
using es::given;

static_assert(es::decider<bank::account>);
static_assert(es::snapshottable<bank::account>);

TEST_CASE("es decider opens an account once", "[es][decider]") {
  const bank::command open_ann = bank::open_account{"ann"};
  const bank::command open_bob = bank::open_account{"bob"};
  CHECK(given<bank::account>().when(open_ann).then({bank::opened{"ann"}}));
  CHECK(given<bank::account>({bank::opened{"ann"}})
            .when(open_bob)
            .then_error(bank::refusal::already_open));
}

TEST_CASE("es decider refuses an overdraft and folds deposits", "[es][decider]") {
  auto history = std::vector<bank::event>{bank::opened{"ann"}, bank::deposited{500, ""}};
  const bank::command too_much = bank::withdraw{501};
  const bank::command some = bank::withdraw{200};
  const bank::command deposit = bank::deposit{1};
  CHECK(given<bank::account>(history).when(too_much).then_error(bank::refusal::insufficient_funds));
  auto outcome = given<bank::account>(history).when(some);
  CHECK(outcome.then({bank::withdrawn{200}}));
  CHECK(outcome.then_state() == bank::account_state{true, "ann", 300, 1});
  CHECK(given<bank::account>().when(deposit).then_error(bank::refusal::account_not_open));
}
