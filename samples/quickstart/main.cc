// quickstart: the small account service that docs/sdk.md builds step by step, as one program.
//
//   quickstart --broker HOST:PORT --data-dir DIR
//
// 1. commands go through a repository: load the account, decide, append with the expected
//    version (a refusal appends nothing; a retried command id is applied once);
// 2. a projection keeps a balances read model in LMDB, caught up from its checkpoint;
// 3. an event handler in a consumer group reacts to large deposits, at least once, in order.
// It prints what happens and exits 0 when every step did what it should, 1 otherwise.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cairn/admin.h"
#include "cairn/es/event_handler.h"
#include "cairn/es/repository.h"
#include "cairn/lmdb/snapshot_store.h"
#include "samples/quickstart/account.h"
#include "samples/quickstart/balances.h"

namespace es = cairn::es;
namespace po = boost::program_options;
using quickstart::account;

namespace {

constexpr const char* kTopic = "quickstart.accounts";
constexpr int kPartitions = 3;
constexpr std::int64_t kLargeDepositCents = 1'000'00;

// Reports a failed step; returns false, so a step can `return fail(...)`.
bool fail(const char* step, const std::string& why) {
  std::fprintf(stderr, "quickstart: %s: %s\n", step, why.c_str());
  return false;
}
bool fail(const char* step, const std::error_code& ec) {
  return fail(step, ec.message());
}

// Step 1: commands through the repository.
bool run_commands(es::repository<account>& accounts, int& events_appended) {
  auto handle = [&](const std::string& id, const quickstart::account_command& c,
                    es::command_meta meta = {}) {
    auto outcome = accounts.handle(id, c, std::move(meta));
    if (outcome) events_appended += static_cast<int>(outcome.value().events.size());
    return outcome;
  };
  const quickstart::account_command open_ann = quickstart::open_account{"Ann"};
  const quickstart::account_command open_bob = quickstart::open_account{"Bob"};
  const quickstart::account_command big_deposit = quickstart::deposit{2'500'00};
  const quickstart::account_command small_deposit = quickstart::deposit{40'00};
  const quickstart::account_command overdraw = quickstart::withdraw{90'00};
  if (!handle("acc-ann", open_ann)) return false;
  if (!handle("acc-bob", open_bob)) return false;
  if (!handle("acc-ann", big_deposit)) return false;
  std::printf("Ann opened an account and deposited 2500.00; Bob opened one.\n");

  // A client retrying after a timeout sends the same command id again: applied once.
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto deposited = handle("acc-bob", small_deposit, {.command_id = "deposit-bob-0001"});
    if (!deposited) return fail("deposit", deposited.error());
    std::printf("Bob deposits 40.00 with command id deposit-bob-0001 (attempt %d): %s\n", attempt,
                deposited.value().duplicate ? "already applied, nothing appended" : "applied");
  }

  auto refused = handle("acc-bob", overdraw);
  if (refused || refused.error() != quickstart::refusal::insufficient_funds) {
    std::fprintf(stderr, "quickstart: an overdraft was not refused\n");
    return false;
  }
  // The outcome says how many decide rounds ran, for a refusal too (1: no other writer raced).
  std::printf("Bob tries to withdraw 90.00: refused (%s) in attempt %d, nothing appended.\n",
              refused.error().message().c_str(), refused.attempts());
  return true;
}

// Step 2: the balances read model, caught up to everything appended.
bool build_read_model(cairn::client& client, const std::filesystem::path& dir,
                      const es::event_registry<quickstart::account_event>& registry) {
  es::projection_options options{.dir = dir / "balances", .dbs = {"balances"}};
  for (int p = 0; p < kPartitions; ++p)
    options.partitions.push_back({kTopic, p});
  auto model = es::projection::open(options, [&](es::read_model_txn& t, const auto& record) {
    return quickstart::apply_to_balances(registry, t, record);
  });
  if (!model) return fail("open the read model", model.error());
  cairn::consumer feed(client);
  // Everything appended before this call, applied (start() is done on the way).
  auto caught_up = model.value()->run_until_caught_up(client, feed, std::chrono::seconds(30));
  if (!caught_up) return fail("catch up the read model", caught_up.error());
  for (const char* id : {"acc-ann", "acc-bob"}) {
    auto b = quickstart::find_balance(*model.value(), id);
    if (!b) return fail("query", b.error());
    if (!b.value()) return fail("query", std::string(id) + " is not in the read model");
    std::printf("read model: %s (%s) has %lld.%02lld\n", id, b.value()->owner.c_str(),
                static_cast<long long>(b.value()->cents / 100),
                static_cast<long long>(b.value()->cents % 100));
  }
  auto bob = quickstart::find_balance(*model.value(), "acc-bob");
  return bob && bob.value() && bob.value()->cents == 40'00;
}

// Step 3: an event handler in a consumer group that reacts to large deposits.
bool notify_large_deposits(cairn::client& client,
                           const es::event_registry<quickstart::account_event>& registry,
                           int events_appended) {
  int seen = 0;
  int notified = 0;
  auto on_event = [&](const quickstart::account_event& e,
                      const es::envelope& where) -> cairn::result<void> {
    ++seen;
    if (const auto* d = std::get_if<quickstart::money_deposited>(&e);
        d != nullptr && d->cents >= kLargeDepositCents) {
      ++notified;
      std::printf("handler: large deposit of %lld.%02lld on %s (partition %d, offset %lld)\n",
                  static_cast<long long>(d->cents / 100), static_cast<long long>(d->cents % 100),
                  where.stream_id.c_str(), where.partition, static_cast<long long>(where.offset));
    }
    return cairn::success();
  };
  es::event_handler_options options{.topics = {kTopic}, .group = "quickstart.notifier"};
  auto handler = es::event_handler::create(
      client, options,
      es::typed_handler<quickstart::account_event>(
          registry,
          std::function<cairn::result<void>(const quickstart::account_event&, const es::envelope&)>(
              on_event)));
  if (!handler) return fail("create the handler", handler.error());
  auto ran = handler.value()->run_until_caught_up(std::chrono::seconds(30));
  if (!ran) return fail("handler", ran.error());
  handler.value()->close();
  return seen == events_appended && notified == 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string broker;
  std::string data_dir;
  po::options_description desc("quickstart");
  desc.add_options()("help,h", "this help")("broker", po::value(&broker)->required(),
                                            "a broker, host:port")(
      "data-dir", po::value(&data_dir)->required(), "where the snapshots and read model live");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help") != 0U) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "quickstart: " << e.what() << "\n" << desc << "\n";
    return 2;
  }

  auto client = cairn::client::create({.bootstrap = {broker}, .client_id = "quickstart"});
  if (!client) {
    fail("connect", client.error());
    return 1;
  }
  cairn::admin admin(*client.value());
  auto created = admin.create_topic(kTopic, {.partitions = kPartitions});
  if (!created && created.error() != cairn::protocol::errc::topic_already_exists) {
    fail("create the topic", created.error());
    return 1;
  }

  std::filesystem::path dir(data_dir);
  auto snapshots = cairn::lmdb::snapshot_store::open(dir / "snapshots");
  if (!snapshots) {
    fail("open the snapshot store", snapshots.error());
    return 1;
  }
  es::event_registry<quickstart::account_event> registry;
  es::repository<account> accounts(*client.value(), registry,
                                   {.topic = kTopic, .snapshots = {.every_events = 2}},
                                   &snapshots.value());

  int events_appended = 0;
  if (!run_commands(accounts, events_appended)) return 1;
  if (!build_read_model(*client.value(), dir, registry)) return 1;
  if (!notify_large_deposits(*client.value(), registry, events_appended)) return 1;
  std::printf("quickstart: all steps did what they should (%d events)\n", events_appended);
  return 0;
}
