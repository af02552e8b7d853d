// lending-library: a small event-sourced service built only on the installed Cairn SDK.
//
//   lending-library --broker HOST:PORT --data-dir DIR
//
// Books and members are aggregates; the lending desk keeps the rule that spans them (a member
// holds at most two books, a book has one borrower) by reservation and compensation; a catalogue
// read model answers queries; an event handler in a consumer group sends a notice per loan.
// It prints what happens and exits 0 when every outcome is the expected one, 1 otherwise.
#include <cairn/admin.h>
#include <cairn/es/event_handler.h>
#include <cairn/es/repository.h>
#include <cairn/lmdb/snapshot_store.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "book.h"
#include "catalogue.h"
#include "lending_desk.h"
#include "member.h"

namespace es = cairn::es;
using namespace std::chrono_literals;

namespace {

constexpr int partitions = 3;

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok:    " : "FAILED:", what.c_str());
  if (!ok) ++failures;
}

template <class R>
bool refused_with(const R& r, std::error_code expected) {
  return !r && r.error() == expected;
}

struct arguments {
  std::string broker;
  std::string data_dir;
};

bool parse(int argc, char** argv, arguments& out) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--broker") == 0) {
      out.broker = argv[i + 1];
    } else if (std::strcmp(argv[i], "--data-dir") == 0) {
      out.data_dir = argv[i + 1];
    } else {
      return false;
    }
  }
  return argc == 5 && !out.broker.empty() && !out.data_dir.empty();
}

}  // namespace

int main(int argc, char** argv) {
  arguments args;
  if (!parse(argc, argv, args)) {
    std::fprintf(stderr, "usage: lending-library --broker HOST:PORT --data-dir DIR\n");
    return 2;
  }
  std::filesystem::path dir(args.data_dir);

  cairn::client_options client_options;
  client_options.bootstrap = {args.broker};
  client_options.client_id = "lending-library";
  auto client = cairn::client::create(client_options);
  if (!client) {
    std::fprintf(stderr, "connect: %s\n", client.error().message().c_str());
    return 1;
  }
  cairn::admin admin(*client.value());
  for (const char* topic : {library::books_topic, library::members_topic}) {
    cairn::topic_settings settings;
    settings.partitions = partitions;
    auto created = admin.create_topic(topic, settings);
    if (!created && created.error() != cairn::protocol::errc::topic_already_exists) {
      std::fprintf(stderr, "create %s: %s\n", topic, created.error().message().c_str());
      return 1;
    }
  }

  // --- aggregates: one repository each, members snapshotted every few events ---------------
  auto snapshots = cairn::lmdb::snapshot_store::open(dir / "snapshots");
  if (!snapshots) {
    std::fprintf(stderr, "snapshots: %s\n", snapshots.error().message().c_str());
    return 1;
  }
  es::event_registry<library::book_event> book_events;
  es::event_registry<library::member_event> member_events;
  es::repository_options book_options;
  book_options.topic = library::books_topic;
  es::repository<library::book> books(*client.value(), book_events, book_options);
  es::repository_options member_options;
  member_options.topic = library::members_topic;
  member_options.snapshots.every_events = 4;
  es::repository<library::member> members(*client.value(), member_events, member_options,
                                          &snapshots.value());
  library::lending_desk desk(members, books);

  check(books.handle("book-1", library::add_book{"The Dispossessed"}).has_value() &&
            books.handle("book-2", library::add_book{"A Wizard of Earthsea"}).has_value() &&
            books.handle("book-3", library::add_book{"The Lathe of Heaven"}).has_value(),
        "three books added to the catalogue");
  check(members.handle("ann", library::join{"Ann"}).has_value() &&
            members.handle("bob", library::join{"Bob"}).has_value(),
        "Ann and Bob joined");
  check(refused_with(books.handle("book-1", library::add_book{"Again"}),
                     library::book_refusal::already_in_catalogue),
        "a book is added once");

  // --- the rule that spans aggregates -------------------------------------------------------
  check(desk.borrow("req-1", "ann", "book-1").has_value(), "Ann borrows book-1");
  check(desk.borrow("req-1", "ann", "book-1").has_value(),
        "the same request sent again is applied once");
  check(desk.borrow("req-2", "ann", "book-2").has_value(), "Ann borrows book-2");
  check(refused_with(desk.borrow("req-3", "ann", "book-3"),
                     library::member_refusal::loan_limit_reached),
        "Ann may not hold a third book");
  check(refused_with(desk.borrow("req-4", "bob", "book-1"), library::book_refusal::on_loan),
        "Bob may not borrow book-1 while Ann has it");
  auto bob = members.load("bob");
  check(bob && bob.value().state.loans.empty(), "Bob's reservation was compensated");
  check(desk.give_back("req-5", "ann", "book-1").has_value(), "Ann gives book-1 back");
  check(desk.borrow("req-6", "bob", "book-1").has_value(), "Bob borrows book-1");
  auto ann = members.load("ann");
  check(ann && ann.value().state.loans == std::vector<std::string>{"book-2"},
        "Ann holds book-2 only");

  // --- the catalogue read model --------------------------------------------------------------
  auto model = library::catalogue::open((dir / "catalogue").string(), partitions);
  if (!model) {
    std::fprintf(stderr, "catalogue: %s\n", model.error().message().c_str());
    return 1;
  }
  auto applied = model.value().catch_up(*client.value(), 30s);
  check(applied.has_value(), "the catalogue caught up");
  auto lag = model.value().lag(*client.value());
  check(lag && lag.value().caught_up(), "the catalogue has no lag");
  auto book_1 = model.value().book("book-1");
  check(book_1 && book_1.value() && book_1.value()->borrower == "bob",
        "the catalogue says Bob has book-1");
  auto bob_entry = model.value().member("bob");
  check(bob_entry && bob_entry.value() && bob_entry.value()->loans == 1,
        "the catalogue counts one loan for Bob");
  auto on_loan = model.value().books_on_loan();
  check(on_loan && on_loan.value() == std::vector<std::string>{"book-1", "book-2"},
        "books on loan: book-1, book-2");

  // --- an event handler: a notice per loan, in a consumer group ---------------------------
  int notices = 0;
  es::event_handler_options handler_options;
  handler_options.topics = {library::books_topic};
  handler_options.group = "library.notices";
  auto handler = es::event_handler::create(
      *client.value(), handler_options,
      es::typed_handler<library::book_event>(book_events, [&](const library::book_event& e,
                                                              const es::envelope& where) {
        if (const auto* lent = std::get_if<library::book_lent>(&e)) {
          ++notices;
          std::printf("notice: %s borrowed %s\n", lent->member_id.c_str(), where.stream_id.c_str());
        }
        return cairn::result<void>(cairn::success());
      }));
  if (!handler) {
    std::fprintf(stderr, "handler: %s\n", handler.error().message().c_str());
    return 1;
  }
  auto handled = handler.value()->run_until_caught_up(30s);
  check(handled.has_value(), "the handler caught up");
  check(notices == 3, "three loans, three notices (got " + std::to_string(notices) + ")");
  auto handler_lag = handler.value()->lag();
  check(handler_lag && handler_lag.value().caught_up(), "the handler's group has no lag");
  handler.value()->close();

  std::printf("%s\n", failures == 0 ? "lending-library: every outcome as expected"
                                    : "lending-library: some outcomes were wrong");
  return failures == 0 ? 0 : 1;
}
