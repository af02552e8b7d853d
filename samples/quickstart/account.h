// The account aggregate of the quickstart (docs/sdk.md, steps 1 and 2): its events, its commands
// and the decider that turns one into the other. Pure: no broker, no clock, no I/O.
#pragma once

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"

namespace quickstart {

// --- events: what happened, named for good (the name is stored, not the C++ type) ------------
struct account_opened {
  static constexpr std::string_view type = "quickstart.AccountOpened.v1";
  std::string owner;
  bool operator==(const account_opened&) const = default;
};
struct money_deposited {
  static constexpr std::string_view type = "quickstart.MoneyDeposited.v1";
  std::int64_t cents = 0;
  bool operator==(const money_deposited&) const = default;
};
struct money_withdrawn {
  static constexpr std::string_view type = "quickstart.MoneyWithdrawn.v1";
  std::int64_t cents = 0;
  bool operator==(const money_withdrawn&) const = default;
};
BOOST_DESCRIBE_STRUCT(account_opened, (), (owner))
BOOST_DESCRIBE_STRUCT(money_deposited, (), (cents))
BOOST_DESCRIBE_STRUCT(money_withdrawn, (), (cents))
using account_event = std::variant<account_opened, money_deposited, money_withdrawn>;

// --- commands: what someone asks for -------------------------------------------------------
struct open_account {
  std::string owner;
};
struct deposit {
  std::int64_t cents = 0;
};
struct withdraw {
  std::int64_t cents = 0;
};
using account_command = std::variant<open_account, deposit, withdraw>;

// --- refusals: domain errors, returned (not thrown) by decide --------------------------------
enum class refusal { already_open = 1, not_open, not_positive, insufficient_funds };
const std::error_category& refusal_category();
inline std::error_code make_error_code(refusal r) {
  return {static_cast<int>(r), refusal_category()};
}

// --- state: only what decisions need ----------------------------------------------------------
struct account_state {
  bool open = false;
  std::int64_t balance_cents = 0;
};
BOOST_DESCRIBE_STRUCT(account_state, (), (open, balance_cents))

struct account {
  using state = account_state;
  using command = account_command;
  using event = account_event;
  static constexpr std::uint32_t state_schema_version = 1;  // bump when account_state changes

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s);
  static state evolve(state s, const event& e);
};

}  // namespace quickstart

template <>
struct std::is_error_code_enum<quickstart::refusal> : std::true_type {};
