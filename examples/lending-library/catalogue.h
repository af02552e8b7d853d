// The catalogue: a read model of every book (its title and who holds it) and every member (name
// and loans), kept in LMDB by a cairn::es::projection fed from both topics.
#pragma once

#include <cairn/es/event_registry.h>
#include <cairn/es/projection.h>

#include <boost/describe.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "book.h"
#include "member.h"

namespace library {

inline constexpr const char* books_topic = "library.books";
inline constexpr const char* members_topic = "library.members";

struct book_entry {
  std::string title{};
  std::string borrower{};  // empty: on the shelf
};
BOOST_DESCRIBE_STRUCT(book_entry, (), (title, borrower))

struct member_entry {
  std::string name{};
  std::int64_t loans = 0;
};
BOOST_DESCRIBE_STRUCT(member_entry, (), (name, loans))

class catalogue {
 public:
  // The model lives in `dir`; `partitions` per topic.
  static cairn::result<catalogue> open(const std::string& dir, int partitions);

  // Applies every event appended so far (bounded by `timeout`).
  cairn::result<std::size_t> catch_up(cairn::client& client, std::chrono::milliseconds timeout);
  cairn::result<cairn::es::lag_report> lag(cairn::client& client) const;

  cairn::result<std::optional<book_entry>> book(const std::string& id) const;
  cairn::result<std::optional<member_entry>> member(const std::string& id) const;
  // Book ids on loan, in key order.
  cairn::result<std::vector<std::string>> books_on_loan() const;

 private:
  catalogue(std::unique_ptr<cairn::es::projection> model,
            std::unique_ptr<cairn::es::event_registry<book_event>> books,
            std::unique_ptr<cairn::es::event_registry<member_event>> members)
      : model_(std::move(model)), books_(std::move(books)), members_(std::move(members)) {}

  std::unique_ptr<cairn::es::projection> model_;
  std::unique_ptr<cairn::es::event_registry<book_event>> books_;
  std::unique_ptr<cairn::es::event_registry<member_event>> members_;
  std::unique_ptr<cairn::consumer> feed_{};
};

}  // namespace library
