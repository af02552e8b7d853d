#include "samples/quickstart/balances.h"

#include <boost/json.hpp>

#include "cairn/es/envelope.h"
#include "samples/quickstart/overloaded.h"

namespace quickstart {
namespace {

constexpr std::size_t kBalancesDb = 0;  // the projection's first (and only) database

std::string to_json(const balance& b) {
  return boost::json::serialize(boost::json::object{{"owner", b.owner}, {"cents", b.cents}});
}

std::optional<balance> from_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* owner = o.if_contains("owner");
  const auto* cents = o.if_contains("cents");
  if (owner == nullptr || !owner->is_string() || cents == nullptr || !cents->is_int64()) {
    return std::nullopt;
  }
  return balance{std::string(owner->get_string()), cents->get_int64()};
}

}  // namespace

cairn::result<void> apply_to_balances(const cairn::es::event_registry<account_event>& registry,
                                      cairn::es::projection_txn& model,
                                      const cairn::consumer_record& record) {
  std::string id = record.key.value_or("");
  std::string type;
  for (const auto& h : record.headers) {
    if (h.key == cairn::es::kTypeHeader) type = h.value.value_or("");
  }
  CAIRN_TRY(auto event, registry.decode(type, record.value.value_or("")));
  CAIRN_TRY(auto stored, model.txn.get(model.dbs[kBalancesDb], id));
  balance b = stored ? from_json(*stored).value_or(balance{}) : balance{};
  std::visit(overloaded{[&](const account_opened& o) { b.owner = o.owner; },
                        [&](const money_deposited& d) { b.cents += d.cents; },
                        [&](const money_withdrawn& w) { b.cents -= w.cents; }},
             event);
  return model.txn.put(model.dbs[kBalancesDb], id, to_json(b));
}

cairn::result<std::optional<balance>> find_balance(const cairn::es::projection& model,
                                                   const std::string& account_id) {
  return model.query<std::optional<balance>>(
      [&](cairn::es::projection_txn& t) -> cairn::result<std::optional<balance>> {
        CAIRN_TRY(auto stored, t.txn.get(t.dbs[kBalancesDb], account_id));
        if (!stored) return std::optional<balance>{};
        return from_json(*stored);
      });
}

}  // namespace quickstart
