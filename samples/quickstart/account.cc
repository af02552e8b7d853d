#include "samples/quickstart/account.h"

#include "cairn/es/overloaded.h"

namespace quickstart {

using cairn::es::overloaded;

namespace {

using decided = cairn::result<std::vector<account_event>>;

}  // namespace

const std::error_category& refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "quickstart.account"; }
    std::string message(int v) const override {
      switch (static_cast<refusal>(v)) {
        case refusal::already_open:
          return "the account is already open";
        case refusal::not_open:
          return "the account is not open";
        case refusal::not_positive:
          return "the amount must be positive";
        case refusal::insufficient_funds:
          return "insufficient funds";
      }
      return "unknown refusal";
    }
  };
  static const category instance;
  return instance;
}

decided account::decide(const command& c, const state& s) {
  return std::visit(overloaded{[&](const open_account& o) -> decided {
                                 if (s.open) return refusal::already_open;
                                 return std::vector<event>{account_opened{o.owner}};
                               },
                               [&](const deposit& d) -> decided {
                                 if (!s.open) return refusal::not_open;
                                 if (d.cents <= 0) return refusal::not_positive;
                                 return std::vector<event>{money_deposited{d.cents}};
                               },
                               [&](const withdraw& w) -> decided {
                                 if (!s.open) return refusal::not_open;
                                 if (w.cents <= 0) return refusal::not_positive;
                                 if (w.cents > s.balance_cents) return refusal::insufficient_funds;
                                 return std::vector<event>{money_withdrawn{w.cents}};
                               }},
                    c);
}

account_state account::evolve(state s, const event& e) {
  std::visit(overloaded{[&](const account_opened&) { s.open = true; },
                        [&](const money_deposited& d) { s.balance_cents += d.cents; },
                        [&](const money_withdrawn& w) { s.balance_cents -= w.cents; }},
             e);
  return s;
}

}  // namespace quickstart
