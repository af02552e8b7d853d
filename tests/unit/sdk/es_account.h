// A bank account decider shared by the cairn::es unit and integration tests.
#pragma once

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"
#include "cairn/es/event_registry.h"
#include "cairn/es/overloaded.h"

namespace bank {

enum class refusal { account_not_open = 1, already_open, insufficient_funds };

inline const std::error_category& refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "bank"; }
    std::string message(int v) const override { return "bank refusal " + std::to_string(v); }
  };
  static const category instance;
  return instance;
}
inline std::error_code make_error_code(refusal r) {
  return {static_cast<int>(r), refusal_category()};
}

struct opened {
  static constexpr std::string_view type = "bank.AccountOpened.v1";
  std::string owner;
  bool operator==(const opened&) const = default;
};
struct deposited {  // v2: cents and a memo (v1 had whole units: see the upcaster below)
  static constexpr std::string_view type = "bank.Deposited.v2";
  std::int64_t amount_cents = 0;
  std::string memo;
  bool operator==(const deposited&) const = default;
};
struct withdrawn {
  static constexpr std::string_view type = "bank.Withdrawn.v1";
  std::int64_t amount_cents = 0;
  bool operator==(const withdrawn&) const = default;
};
BOOST_DESCRIBE_STRUCT(opened, (), (owner))
BOOST_DESCRIBE_STRUCT(deposited, (), (amount_cents, memo))
BOOST_DESCRIBE_STRUCT(withdrawn, (), (amount_cents))
using event = std::variant<opened, deposited, withdrawn>;

struct open_account {
  std::string owner;
};
struct deposit {
  std::int64_t amount_cents = 0;
};
struct withdraw {
  std::int64_t amount_cents = 0;
};
using command = std::variant<open_account, deposit, withdraw>;

struct account_state {
  bool open = false;
  std::string owner;
  std::int64_t balance_cents = 0;
  std::int64_t deposits = 0;
  bool operator==(const account_state&) const = default;
};
BOOST_DESCRIBE_STRUCT(account_state, (), (open, owner, balance_cents, deposits))

using cairn::es::overloaded;

struct account {
  using state = account_state;
  using command = bank::command;
  using event = bank::event;
  static constexpr std::uint32_t state_schema_version = 1;

  static state initial() { return {}; }

  static cairn::result<std::vector<event>> decide(const command& c, const state& s) {
    return std::visit(overloaded{[&](const open_account& o) -> cairn::result<std::vector<event>> {
                                   if (s.open) return make_error_code(refusal::already_open);
                                   return std::vector<event>{opened{o.owner}};
                                 },
                                 [&](const deposit& d) -> cairn::result<std::vector<event>> {
                                   if (!s.open) return make_error_code(refusal::account_not_open);
                                   return std::vector<event>{deposited{d.amount_cents, ""}};
                                 },
                                 [&](const withdraw& w) -> cairn::result<std::vector<event>> {
                                   if (!s.open) return make_error_code(refusal::account_not_open);
                                   if (w.amount_cents > s.balance_cents) {
                                     return make_error_code(refusal::insufficient_funds);
                                   }
                                   return std::vector<event>{withdrawn{w.amount_cents}};
                                 }},
                      c);
  }

  static state evolve(state s, const event& e) {
    std::visit(overloaded{[&](const opened& o) {
                            s.open = true;
                            s.owner = o.owner;
                          },
                          [&](const deposited& d) {
                            s.balance_cents += d.amount_cents;
                            ++s.deposits;
                          },
                          [&](const withdrawn& w) { s.balance_cents -= w.amount_cents; }},
               e);
    return s;
  }
};

// bank.Deposited.v1 {"amount": whole units} -> bank.Deposited.v2 {"amount_cents", "memo"}.
inline cairn::result<cairn::es::raw_event> deposited_v1_to_v2(cairn::es::raw_event old) {
  const auto* o = old.data.if_object();
  const auto* amount = o != nullptr ? o->if_contains("amount") : nullptr;
  if (amount == nullptr || !amount->is_int64()) return cairn::es::errc::malformed_event;
  boost::json::object v2;
  v2["amount_cents"] = amount->get_int64() * 100;
  v2["memo"] = "upcast from v1";
  return cairn::es::raw_event{std::string(deposited::type), std::move(v2)};
}

inline cairn::es::event_registry<event> registry() {
  cairn::es::event_registry<event> r;
  r.add_upcaster("bank.Deposited.v1", &deposited_v1_to_v2);
  return r;
}

}  // namespace bank

template <>
struct std::is_error_code_enum<bank::refusal> : std::true_type {};
