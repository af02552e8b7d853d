#include "book.h"

#include <cairn/es/overloaded.h>

namespace library {

using cairn::es::overloaded;
using decided = cairn::result<std::vector<book_event>>;

const std::error_category& book_refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "library.book"; }
    std::string message(int v) const override {
      switch (static_cast<book_refusal>(v)) {
        case book_refusal::already_in_catalogue:
          return "the book is already in the catalogue";
        case book_refusal::not_in_catalogue:
          return "no such book in the catalogue";
        case book_refusal::on_loan:
          return "the book is on loan";
        case book_refusal::not_on_loan_to_member:
          return "the book is not on loan to this member";
      }
      return "unknown refusal";
    }
  };
  static const category instance;
  return instance;
}

decided book::decide(const command& c, const state& s) {
  return std::visit(overloaded{[&](const add_book& a) -> decided {
                                 if (s.in_catalogue) return book_refusal::already_in_catalogue;
                                 return std::vector<event>{book_added{a.title}};
                               },
                               [&](const lend_book& l) -> decided {
                                 if (!s.in_catalogue) return book_refusal::not_in_catalogue;
                                 if (!s.borrower.empty()) return book_refusal::on_loan;
                                 return std::vector<event>{book_lent{l.member_id}};
                               },
                               [&](const return_book& r) -> decided {
                                 if (s.borrower != r.member_id)
                                   return book_refusal::not_on_loan_to_member;
                                 return std::vector<event>{book_returned{r.member_id}};
                               }},
                    c);
}

book_state book::evolve(state s, const event& e) {
  std::visit(overloaded{[&](const book_added&) { s.in_catalogue = true; },
                        [&](const book_lent& l) { s.borrower = l.member_id; },
                        [&](const book_returned&) { s.borrower.clear(); }},
             e);
  return s;
}

}  // namespace library
