// The lending desk: borrowing and returning, the rules that span a member and a book.
//
// Each aggregate guards its own invariant in one stream: the member its loan limit, the book
// that it has one borrower. No transaction spans the two streams, so borrowing is a reservation
// with compensation: reserve a loan on the member (refused at the limit), then lend the book
// (refused when it is out); if the book refuses, release the reservation. Between the two steps
// the member holds a reservation for a book it may not get; the compensation removes it, and a
// crash between the steps leaves one to be released (the process-manager version in docs/sdk.md
// makes that step durable).
#pragma once

#include <cairn/es/repository.h>

#include <string>
#include <system_error>

#include "book.h"
#include "member.h"

namespace library {

class lending_desk {
 public:
  lending_desk(cairn::es::repository<member>& members, cairn::es::repository<book>& books)
      : members_(members), books_(books) {}

  // Lends book_id to member_id, or answers why not (a member_refusal or a book_refusal), with
  // nothing left reserved. `request_id` names this request for good: a client that retries it
  // (after a timeout, say) sends the same id, and each step is applied once.
  cairn::result<void> borrow(const std::string& request_id, const std::string& member_id,
                             const std::string& book_id);
  // Takes the book back and ends the member's loan.
  cairn::result<void> give_back(const std::string& request_id, const std::string& member_id,
                                const std::string& book_id);

 private:
  cairn::es::repository<member>& members_;
  cairn::es::repository<book>& books_;
};

}  // namespace library
