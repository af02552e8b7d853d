#include "lending_desk.h"

namespace library {

namespace {

cairn::es::command_meta step(const std::string& request_id, const char* name) {
  cairn::es::command_meta meta;
  meta.command_id = request_id + ":" + name;
  meta.correlation_id = request_id;
  return meta;
}

}  // namespace

cairn::result<void> lending_desk::borrow(const std::string& request_id,
                                         const std::string& member_id, const std::string& book_id) {
  auto reserved = members_.handle(member_id, reserve_loan{book_id}, step(request_id, "reserve"));
  if (!reserved) return reserved.error();
  auto lent = books_.handle(book_id, lend_book{member_id}, step(request_id, "lend"));
  if (lent) return cairn::success();
  // The book refused (or could not be written): compensate, so the member's limit is not taken
  // by a loan that never happened.
  auto released = members_.handle(member_id, release_loan{book_id}, step(request_id, "release"));
  if (!released) return released.error();
  return lent.error();
}

cairn::result<void> lending_desk::give_back(const std::string& request_id,
                                            const std::string& member_id,
                                            const std::string& book_id) {
  auto returned = books_.handle(book_id, return_book{member_id}, step(request_id, "return"));
  if (!returned) return returned.error();
  auto released = members_.handle(member_id, release_loan{book_id}, step(request_id, "release"));
  if (!released) return released.error();
  return cairn::success();
}

}  // namespace library
