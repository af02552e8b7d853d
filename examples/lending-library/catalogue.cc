#include "catalogue.h"

#include <cairn/es/envelope.h>
#include <cairn/es/overloaded.h>

namespace library {

using cairn::es::overloaded;
using cairn::es::read_model_txn;

namespace {

cairn::result<void> apply_book(read_model_txn& t, const std::string& id, const book_event& e) {
  auto books = t.db("books");
  CAIRN_TRY(auto stored, books.get_json<book_entry>(id));
  book_entry entry = stored.value_or(book_entry{});
  std::visit(overloaded{[&](const book_added& a) { entry.title = a.title; },
                        [&](const book_lent& l) { entry.borrower = l.member_id; },
                        [&](const book_returned&) { entry.borrower.clear(); }},
             e);
  return books.put_json(id, entry);
}

cairn::result<void> apply_member(read_model_txn& t, const std::string& id, const member_event& e) {
  auto members = t.db("members");
  CAIRN_TRY(auto stored, members.get_json<member_entry>(id));
  member_entry entry = stored.value_or(member_entry{});
  std::visit(overloaded{[&](const member_joined& j) { entry.name = j.name; },
                        [&](const loan_reserved&) { ++entry.loans; },
                        [&](const loan_released&) { --entry.loans; }},
             e);
  return members.put_json(id, entry);
}

}  // namespace

cairn::result<catalogue> catalogue::open(const std::string& dir, int partitions) {
  auto books = std::make_unique<cairn::es::event_registry<book_event>>();
  auto members = std::make_unique<cairn::es::event_registry<member_event>>();
  cairn::es::projection_options options;
  options.dir = dir;
  options.dbs = {"books", "members"};
  for (const char* topic : {books_topic, members_topic}) {
    for (int p = 0; p < partitions; ++p)
      options.partitions.push_back({topic, p});
  }
  auto apply = [b = books.get(), m = members.get()](
                   read_model_txn& t, const cairn::consumer_record& r) -> cairn::result<void> {
    auto where = cairn::es::envelope_of(r);
    if (r.topic == books_topic) {
      CAIRN_TRY(auto e, b->decode(where.type, r.value.value_or("")));
      return apply_book(t, where.stream_id, e);
    }
    CAIRN_TRY(auto e, m->decode(where.type, r.value.value_or("")));
    return apply_member(t, where.stream_id, e);
  };
  CAIRN_TRY(auto model, cairn::es::projection::open(options, apply));
  return catalogue(std::move(model), std::move(books), std::move(members));
}

cairn::result<std::size_t> catalogue::catch_up(cairn::client& client,
                                               std::chrono::milliseconds timeout) {
  if (!feed_) feed_ = std::make_unique<cairn::consumer>(client);
  return model_->run_until_caught_up(client, *feed_, timeout);
}

cairn::result<cairn::es::lag_report> catalogue::lag(cairn::client& client) const {
  return model_->lag(client);
}

cairn::result<std::optional<book_entry>> catalogue::book(const std::string& id) const {
  return model_->query<std::optional<book_entry>>(
      [&](read_model_txn& t) { return t.db("books").get_json<book_entry>(id); });
}

cairn::result<std::optional<member_entry>> catalogue::member(const std::string& id) const {
  return model_->query<std::optional<member_entry>>(
      [&](read_model_txn& t) { return t.db("members").get_json<member_entry>(id); });
}

cairn::result<std::vector<std::string>> catalogue::books_on_loan() const {
  return model_->query<std::vector<std::string>>(
      [](read_model_txn& t) -> cairn::result<std::vector<std::string>> {
        auto books = t.db("books");
        CAIRN_TRY(auto ids, books.keys());
        std::vector<std::string> out;
        for (const auto& id : ids) {
          CAIRN_TRY(auto entry, books.get_json<book_entry>(id));
          if (entry && !entry->borrower.empty()) out.push_back(id);
        }
        return out;
      });
}

}  // namespace library
