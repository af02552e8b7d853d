// A member of the library, who may hold at most loans_max books at once. The member keeps the
// loan limit; the book keeps who holds it. Borrowing changes both (see lending_desk.h).
#pragma once

#include <cairn/es/decider.h>

#include <boost/describe.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace library {

constexpr std::size_t loans_max = 2;

struct member_joined {
  static constexpr std::string_view type = "library.MemberJoined.v1";
  std::string name;
};
struct loan_reserved {
  static constexpr std::string_view type = "library.LoanReserved.v1";
  std::string book_id;
};
struct loan_released {
  static constexpr std::string_view type = "library.LoanReleased.v1";
  std::string book_id;
};
BOOST_DESCRIBE_STRUCT(member_joined, (), (name))
BOOST_DESCRIBE_STRUCT(loan_reserved, (), (book_id))
BOOST_DESCRIBE_STRUCT(loan_released, (), (book_id))
using member_event = std::variant<member_joined, loan_reserved, loan_released>;

struct join {
  std::string name;
};
struct reserve_loan {
  std::string book_id;
};
struct release_loan {
  std::string book_id;
};
using member_command = std::variant<join, reserve_loan, release_loan>;

enum class member_refusal { already_member = 1, not_member, loan_limit_reached, no_such_loan };
const std::error_category& member_refusal_category();
inline std::error_code make_error_code(member_refusal r) {
  return {static_cast<int>(r), member_refusal_category()};
}

struct member_state {
  bool joined = false;
  std::vector<std::string> loans;  // book ids, at most loans_max
};
BOOST_DESCRIBE_STRUCT(member_state, (), (joined, loans))

struct member {
  using state = member_state;
  using command = member_command;
  using event = member_event;
  static constexpr std::uint32_t state_schema_version = 1;

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s);
  static state evolve(state s, const event& e);
};

}  // namespace library

template <>
struct std::is_error_code_enum<library::member_refusal> : std::true_type {};
