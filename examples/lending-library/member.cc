#include "member.h"

#include <cairn/es/overloaded.h>

#include <algorithm>

namespace library {

using cairn::es::overloaded;
using decided = cairn::result<std::vector<member_event>>;

const std::error_category& member_refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "library.member"; }
    std::string message(int v) const override {
      switch (static_cast<member_refusal>(v)) {
        case member_refusal::already_member:
          return "already a member";
        case member_refusal::not_member:
          return "not a member";
        case member_refusal::loan_limit_reached:
          return "the member already holds as many books as allowed";
        case member_refusal::no_such_loan:
          return "the member holds no such loan";
      }
      return "unknown refusal";
    }
  };
  static const category instance;
  return instance;
}

decided member::decide(const command& c, const state& s) {
  return std::visit(
      overloaded{[&](const join& j) -> decided {
                   if (s.joined) return member_refusal::already_member;
                   return std::vector<event>{member_joined{j.name}};
                 },
                 [&](const reserve_loan& r) -> decided {
                   if (!s.joined) return member_refusal::not_member;
                   if (s.loans.size() >= loans_max) return member_refusal::loan_limit_reached;
                   return std::vector<event>{loan_reserved{r.book_id}};
                 },
                 [&](const release_loan& r) -> decided {
                   if (std::find(s.loans.begin(), s.loans.end(), r.book_id) == s.loans.end())
                     return member_refusal::no_such_loan;
                   return std::vector<event>{loan_released{r.book_id}};
                 }},
      c);
}

member_state member::evolve(state s, const event& e) {
  std::visit(overloaded{[&](const member_joined&) { s.joined = true; },
                        [&](const loan_reserved& r) { s.loans.push_back(r.book_id); },
                        [&](const loan_released& r) {
                          s.loans.erase(std::remove(s.loans.begin(), s.loans.end(), r.book_id),
                                        s.loans.end());
                        }},
             e);
  return s;
}

}  // namespace library
