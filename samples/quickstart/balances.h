// The balances read model of the quickstart (docs/sdk.md, step 3): one LMDB database, account id
// -> {"owner", "cents"}, kept by a cairn::es::projection from the accounts topic.
#pragma once

#include <boost/describe.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "cairn/es/event_registry.h"
#include "cairn/es/projection.h"
#include "samples/quickstart/account.h"

namespace quickstart {

struct balance {
  std::string owner;
  std::int64_t cents = 0;
};
BOOST_DESCRIBE_STRUCT(balance, (), (owner, cents))  // stored as JSON {"owner", "cents"}

// Applies one account event to the model (inside the projection's write transaction).
cairn::result<void> apply_to_balances(const cairn::es::event_registry<account_event>& registry,
                                      cairn::es::read_model_txn& model,
                                      const cairn::consumer_record& record);

// The balance of one account, if the model has seen it opened.
cairn::result<std::optional<balance>> find_balance(const cairn::es::projection& model,
                                                   const std::string& account_id);

}  // namespace quickstart
