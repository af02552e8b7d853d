// A copy of a book in the library: added to the catalogue, then lent and given back, one loan at
// a time. Pure: no broker, no clock, no I/O (decide and evolve are tested without a broker).
#pragma once

#include <cairn/es/decider.h>

#include <boost/describe.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace library {

// --- events: their type names are stored with them, so they never change ------------------
struct book_added {
  static constexpr std::string_view type = "library.BookAdded.v1";
  std::string title;
};
struct book_lent {
  static constexpr std::string_view type = "library.BookLent.v1";
  std::string member_id;
};
struct book_returned {
  static constexpr std::string_view type = "library.BookReturned.v1";
  std::string member_id;
};
BOOST_DESCRIBE_STRUCT(book_added, (), (title))
BOOST_DESCRIBE_STRUCT(book_lent, (), (member_id))
BOOST_DESCRIBE_STRUCT(book_returned, (), (member_id))
using book_event = std::variant<book_added, book_lent, book_returned>;

// --- commands ----------------------------------------------------------------------------------
struct add_book {
  std::string title;
};
struct lend_book {
  std::string member_id;
};
struct return_book {
  std::string member_id;
};
using book_command = std::variant<add_book, lend_book, return_book>;

enum class book_refusal {
  already_in_catalogue = 1,
  not_in_catalogue,
  on_loan,
  not_on_loan_to_member
};
const std::error_category& book_refusal_category();
inline std::error_code make_error_code(book_refusal r) {
  return {static_cast<int>(r), book_refusal_category()};
}

struct book_state {
  bool in_catalogue = false;
  std::string borrower;  // empty: on the shelf
};
BOOST_DESCRIBE_STRUCT(book_state, (), (in_catalogue, borrower))

struct book {
  using state = book_state;
  using command = book_command;
  using event = book_event;
  static constexpr std::uint32_t state_schema_version = 1;

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s);
  static state evolve(state s, const event& e);
};

}  // namespace library

template <>
struct std::is_error_code_enum<library::book_refusal> : std::true_type {};
