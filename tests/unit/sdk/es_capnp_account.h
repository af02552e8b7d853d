// The bank account of es_account.h with its money events in Cap'n Proto (es_test_events.capnp)
// and its opening still in JSON: the mixed variant the capnp codec tests and the repository
// integration test share. Deposits were first stored as bank.capnp.Deposited.v1 (whole units);
// the registry upcasts them.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "cairn/es/capnp_upcaster.h"
#include "cairn/es/decider.h"
#include "cairn/es/event_registry.h"
#include "cairn/es/overloaded.h"
#include "tests/unit/sdk/es_account.h"
#include "tests/unit/sdk/es_test_events.capnp.h"

namespace capnp_bank {

namespace schema = cairn::es_test;

struct deposited {
  static constexpr std::string_view type = "bank.capnp.Deposited.v2";
  using capnp_schema = schema::Deposited;
  std::int64_t amount_cents = 0;
  std::string memo;
  bool operator==(const deposited&) const = default;

  void to_capnp(schema::Deposited::Builder b) const {
    b.setAmountCents(amount_cents);
    b.setMemo(memo);
  }
  static deposited from_capnp(schema::Deposited::Reader r) {
    return {r.getAmountCents(), std::string(r.getMemo().cStr(), r.getMemo().size())};
  }
};

struct withdrawn {
  static constexpr std::string_view type = "bank.capnp.Withdrawn.v1";
  using capnp_schema = schema::Withdrawn;
  std::int64_t amount_cents = 0;
  bool operator==(const withdrawn&) const = default;

  void to_capnp(schema::Withdrawn::Builder b) const { b.setAmountCents(amount_cents); }
  // A withdrawal of nothing or less is no event this service writes: refused on read.
  static cairn::result<withdrawn> from_capnp(schema::Withdrawn::Reader r) {
    if (r.getAmountCents() <= 0) return cairn::es::errc::malformed_event;
    return withdrawn{r.getAmountCents()};
  }
};

using event = std::variant<bank::opened, deposited, withdrawn>;

struct account {
  using state = bank::account_state;
  using command = bank::command;
  using event = capnp_bank::event;
  static constexpr std::uint32_t state_schema_version = 1;

  static state initial() { return {}; }

  static cairn::result<std::vector<event>> decide(const command& c, const state& s) {
    using out = cairn::result<std::vector<event>>;
    return std::visit(
        cairn::es::overloaded{[&](const bank::open_account& o) -> out {
                                if (s.open) return make_error_code(bank::refusal::already_open);
                                return std::vector<event>{bank::opened{o.owner}};
                              },
                              [&](const bank::deposit& d) -> out {
                                if (!s.open) {
                                  return make_error_code(bank::refusal::account_not_open);
                                }
                                return std::vector<event>{deposited{d.amount_cents, ""}};
                              },
                              [&](const bank::withdraw& w) -> out {
                                if (!s.open) {
                                  return make_error_code(bank::refusal::account_not_open);
                                }
                                if (w.amount_cents > s.balance_cents) {
                                  return make_error_code(bank::refusal::insufficient_funds);
                                }
                                return std::vector<event>{withdrawn{w.amount_cents}};
                              }},
        c);
  }

  static state evolve(state s, const event& e) {
    std::visit(
        cairn::es::overloaded{[&](const bank::opened& o) {
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

inline constexpr std::string_view kDepositedV1 = "bank.capnp.Deposited.v1";

// A bank.capnp.Deposited.v1 record's bytes, as the first release wrote them.
inline std::string deposited_v1_bytes(std::int64_t amount) {
  return cairn::es::build_capnp<schema::DepositedV1>(
      [&](schema::DepositedV1::Builder b) { b.setAmount(amount); });
}

inline cairn::es::event_registry<event> registry() {
  cairn::es::event_registry<event> r;
  cairn::es::add_capnp_upcaster<schema::DepositedV1>(
      r, std::string(kDepositedV1),
      [](schema::DepositedV1::Reader v1) -> cairn::result<cairn::es::raw_event> {
        // Stored values are untrusted too: an amount whose cents overflow is refused.
        std::int64_t cents = 0;
        if (__builtin_mul_overflow(v1.getAmount(), std::int64_t{100}, &cents)) {
          return cairn::es::errc::malformed_event;
        }
        return cairn::es::to_raw_event(deposited{cents, "upcast from v1"});
      });
  return r;
}

}  // namespace capnp_bank
