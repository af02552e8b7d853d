// The aggregate both sides of es_command_bench run: a counter that takes `add` commands and
// records one `added` event per command. Its decide and evolve are trivial on purpose: the bench
// measures the store's load-decide-append round, not domain logic.
#pragma once

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"
#include "cairn/base/result.h"

namespace bench {

struct added {
  static constexpr std::string_view type = "bench.Added.v1";
  std::int64_t amount = 0;
};
BOOST_DESCRIBE_STRUCT(added, (), (amount))

struct add {
  std::int64_t amount = 0;
};

struct counter_state {
  std::int64_t total = 0;
  std::int64_t adds = 0;
};

struct counter {
  using state = counter_state;
  using command = add;
  using event = std::variant<added>;

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state&) {
    return std::vector<event>{added{c.amount}};
  }
  static state evolve(state s, const event& e) {
    s.total += std::get<added>(e).amount;
    ++s.adds;
    return s;
  }
};

}  // namespace bench
