#include "samples/quickstart/balances.h"

#include "cairn/es/envelope.h"
#include "cairn/es/overloaded.h"

namespace quickstart {

using cairn::es::overloaded;

namespace {

constexpr std::string_view kBalancesDb = "balances";  // declared in projection_options::dbs

}  // namespace

cairn::result<void> apply_to_balances(const cairn::es::event_registry<account_event>& registry,
                                      cairn::es::read_model_txn& model,
                                      const cairn::consumer_record& record) {
  std::string id = record.key.value_or("");
  std::string type;
  for (const auto& h : record.headers) {
    if (h.key == cairn::es::kTypeHeader) type = h.value.value_or("");
  }
  CAIRN_TRY(auto event, registry.decode(type, record.value.value_or("")));
  auto balances = model.db(kBalancesDb);
  CAIRN_TRY(auto stored, balances.get_json<balance>(id));
  balance b = stored.value_or(balance{});
  std::visit(overloaded{[&](const account_opened& o) { b.owner = o.owner; },
                        [&](const money_deposited& d) { b.cents += d.cents; },
                        [&](const money_withdrawn& w) { b.cents -= w.cents; }},
             event);
  return balances.put_json(id, b);
}

cairn::result<std::optional<balance>> find_balance(const cairn::es::projection& model,
                                                   const std::string& account_id) {
  return model.query<std::optional<balance>>(
      [&](cairn::es::read_model_txn& t) -> cairn::result<std::optional<balance>> {
        return t.db(kBalancesDb).get_json<balance>(account_id);
      });
}

}  // namespace quickstart
