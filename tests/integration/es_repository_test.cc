// cairn::es repository against a real cairn-broker: two writers racing on one aggregate, loads
// from a snapshot against loads from full history, a changed state schema, an upcaster applied
// on read, idempotent command ids, the coroutine form, and Cap'n Proto events (a mixed JSON +
// capnp variant, a stored capnp v1 upcast on read, snapshots). (Commands are named before handle():
// g++ 12 reports a false -Wmaybe-uninitialized on a temporary variant holding a string at -O2.)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <future>
#include <thread>

#include "cairn/admin.h"
#include "cairn/es/repository.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/sdk/es_account.h"
#include "tests/unit/sdk/es_capnp_account.h"

namespace {

namespace es = cairn::es;
using cairn::testing::broker_process;
using cairn::testing::temp_dir;

std::unique_ptr<cairn::client> connect(const broker_process& b) {
  cairn::client_options o;
  o.bootstrap = {"127.0.0.1:" + std::to_string(b.port())};
  auto c = cairn::client::create(o);
  REQUIRE(c);
  return std::move(c).value();
}

struct fixture {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string()};
  std::unique_ptr<cairn::client> client = connect(broker);
  es::event_registry<bank::event> registry = bank::registry();

  fixture() {
    cairn::admin admin(*client);
    auto created = admin.create_topic("accounts", {.partitions = 3});
    if (!created) FAIL(created.error().message());
  }
};

es::repository_options options() {
  return {.topic = "accounts"};
}

// The account, with a hook run once just before decide: lets a test slip another writer's
// command in between this writer's load and its append (a test-only impurity).
struct racing_account : bank::account {
  static inline std::function<void()> before_decide;
  static cairn::result<std::vector<event>> decide(const command& c, const state& s) {
    if (auto hook = std::exchange(before_decide, nullptr)) hook();
    return bank::account::decide(c, s);
  }
};

// The same state under a new schema version: its snapshots and the old ones must not mix.
struct account_v2 : bank::account {
  static constexpr std::uint32_t state_schema_version = 2;
};

}  // namespace

TEST_CASE("es two writers race on one aggregate and both deposits take effect",
          "[es][repository]") {
  fixture f;
  auto other_client = connect(f.broker);
  es::repository<racing_account> first(*f.client, f.registry, options());
  es::repository<racing_account> second(*other_client, f.registry, options());
  const bank::command open_ann = bank::open_account{"ann"};
  REQUIRE(first.handle("acc-1", open_ann));

  cairn::result<es::handled<racing_account>> second_outcome = cairn::sdk::errc::aborted;
  racing_account::before_decide = [&] {
    const bank::command deposit_300 = bank::deposit{300};
    second_outcome = second.handle("acc-1", deposit_300);  // wins: the stream moves
  };
  const bank::command deposit_200 = bank::deposit{200};
  auto first_outcome = first.handle("acc-1", deposit_200);
  REQUIRE(second_outcome);
  REQUIRE(first_outcome);
  CHECK(second_outcome.value().attempts == 1);
  CHECK(second_outcome.value().version == 1);
  CHECK(first_outcome.value().attempts == 2);  // wrong expected version, caught up, retried
  CHECK(first_outcome.value().version == 2);

  auto loaded = first.load("acc-1");
  REQUIRE(loaded);
  CHECK(loaded.value().state.balance_cents == 500);
  CHECK(loaded.value().state.deposits == 2);
  CHECK(loaded.value().version == 2);
}

TEST_CASE("es a refusal says how many decide rounds it took", "[es][repository]") {
  fixture f;
  auto other_client = connect(f.broker);
  es::repository<racing_account> first(*f.client, f.registry, options());
  es::repository<racing_account> second(*other_client, f.registry, options());
  const bank::command open_bo = bank::open_account{"bo"};
  const bank::command deposit_100 = bank::deposit{100};
  REQUIRE(first.handle("acc-9", open_bo));
  REQUIRE(first.handle("acc-9", deposit_100));

  // Refused at once: one round, nothing appended.
  const bank::command withdraw_500 = bank::withdraw{500};
  auto refused_at_once = first.handle("acc-9", withdraw_500);
  REQUIRE_FALSE(refused_at_once);
  CHECK(refused_at_once.error() == bank::refusal::insufficient_funds);
  CHECK(refused_at_once.attempts() == 1);

  // The first decide allows the withdrawal; another writer empties the account before the
  // append, so the append loses, and the second decide (on the new state) refuses.
  racing_account::before_decide = [&] {
    const bank::command withdraw_80 = bank::withdraw{80};
    REQUIRE(second.handle("acc-9", withdraw_80));
  };
  const bank::command withdraw_50 = bank::withdraw{50};
  auto refused_after_race = first.handle("acc-9", withdraw_50);
  REQUIRE_FALSE(refused_after_race);
  CHECK(refused_after_race.error() == bank::refusal::insufficient_funds);
  CHECK(refused_after_race.attempts() == 2);

  // A success says the same as its value does.
  const bank::command deposit_1 = bank::deposit{1};
  auto ok = first.handle("acc-9", deposit_1);
  REQUIRE(ok);
  CHECK(ok.attempts() == 1);
  CHECK(ok.value().attempts == 1);
}

TEST_CASE("es concurrent writers lose no update", "[es][repository]") {
  fixture f;
  es::repository<bank::account> opener(*f.client, f.registry, options());
  const bank::command open_bob = bank::open_account{"bob"};
  REQUIRE(opener.handle("acc-2", open_bob));
  constexpr int kWriters = 2;
  constexpr int kDeposits = 10;
  std::vector<std::unique_ptr<cairn::client>> clients;
  for (int i = 0; i < kWriters; ++i)
    clients.push_back(connect(f.broker));
  std::vector<std::future<int>> attempts;
  for (int i = 0; i < kWriters; ++i) {
    attempts.push_back(std::async(std::launch::async, [&, i] {
      es::repository_options o = options();
      o.attempts_max = 100;
      es::repository<bank::account> repo(*clients[i], f.registry, o);
      int total = 0;
      for (int d = 0; d < kDeposits; ++d) {
        const bank::command deposit_1 = bank::deposit{1};
        auto h = repo.handle("acc-2", deposit_1);
        if (!h) return -1;
        total += h.value().attempts;
      }
      return total;
    }));
  }
  for (auto& a : attempts)
    CHECK(a.get() >= kDeposits);
  auto loaded = opener.load("acc-2");
  REQUIRE(loaded);
  CHECK(loaded.value().state.balance_cents == kWriters * kDeposits);
  CHECK(loaded.value().version == kWriters * kDeposits);
}

TEST_CASE("es a cached aggregate catches up with writers the cache did not see",
          "[es][repository][cache]") {
  fixture f;
  auto other_client = connect(f.broker);
  es::repository_options cached_options = options();
  cached_options.cache_max = 2;
  es::repository<bank::account> cached(*f.client, f.registry, cached_options);
  es::repository<bank::account> other(*other_client, f.registry, options());
  const bank::command open_cy = bank::open_account{"cy"};
  const bank::command deposit_5 = bank::deposit{5};
  REQUIRE(cached.handle("acc-c", open_cy));
  REQUIRE(cached.handle("acc-c", deposit_5));  // decided on the cached state

  // Another writer moves the stream behind the cache's back: the cached repository reads on
  // from its cached version, and its append's expected version still guards the race.
  REQUIRE(other.handle("acc-c", deposit_5));
  auto loaded = cached.load("acc-c");
  REQUIRE(loaded);
  CHECK(loaded.value().version == 2);
  CHECK(loaded.value().state.balance_cents == 10);
  REQUIRE(other.handle("acc-c", deposit_5));
  auto handled = cached.handle("acc-c", deposit_5);
  REQUIRE(handled);
  CHECK(handled.value().version == 4);
  auto full = other.load("acc-c");
  REQUIRE(full);
  CHECK(full.value().state.balance_cents == 20);
  CHECK(cached.load("acc-c").value().state == full.value().state);

  // A refusal decided on a stale cached state is checked against the stream before it is
  // returned: the other writer's deposit makes this withdrawal possible.
  const bank::command deposit_100 = bank::deposit{100};
  const bank::command withdraw_50 = bank::withdraw{50};
  REQUIRE(other.handle("acc-c", deposit_100));
  auto withdrawn = cached.handle("acc-c", withdraw_50);
  REQUIRE(withdrawn);
  CHECK(withdrawn.value().version == 6);
  CHECK(withdrawn.value().attempts == 1);
  const bank::command withdraw_500 = bank::withdraw{500};
  CHECK(cached.handle("acc-c", withdraw_500).error() == bank::refusal::insufficient_funds);
}

TEST_CASE("es load from a snapshot equals load from full history", "[es][repository]") {
  fixture f;
  temp_dir snapshot_dir;  // apart from the broker's data directory
  auto store = cairn::lmdb::snapshot_store::open(snapshot_dir.path());
  REQUIRE(store);
  es::repository_options o = options();
  o.snapshots.every_events = 4;
  es::repository<bank::account> snapshotted(*f.client, f.registry, o, &store.value());
  es::repository<bank::account> plain(*f.client, f.registry, options());
  const bank::command open_cy = bank::open_account{"cy"};
  REQUIRE(snapshotted.handle("acc-3", open_cy));
  for (int i = 1; i <= 9; ++i) {
    const bank::command deposit_i = bank::deposit{i};
    REQUIRE(snapshotted.handle("acc-3", deposit_i));
  }
  const bank::command withdraw_5 = bank::withdraw{5};
  REQUIRE(snapshotted.handle("acc-3", withdraw_5));

  auto stored = store.value().get("accounts/acc-3");
  REQUIRE(stored);
  REQUIRE(stored.value());
  CHECK(stored.value()->version.value() == 7);  // written at versions 3 and 7 (every 4 events)
  CHECK(stored.value()->schema_version == 1);

  auto from_snapshot = snapshotted.load("acc-3");
  auto from_history = plain.load("acc-3");
  REQUIRE(from_snapshot);
  REQUIRE(from_history);
  CHECK(from_snapshot.value().snapshot_version == 7);
  CHECK(from_history.value().snapshot_version == -1);
  CHECK(from_snapshot.value().state == from_history.value().state);
  CHECK(from_snapshot.value().version == from_history.value().version);
  CHECK(from_snapshot.value().state.balance_cents == 45 - 5);

  // A new state schema ignores the old snapshot instead of misreading it.
  es::repository<account_v2> upgraded(*f.client, f.registry, o, &store.value());
  auto reread = upgraded.load("acc-3");
  REQUIRE(reread);
  CHECK(reread.value().snapshot_version == -1);
  CHECK(reread.value().state == from_history.value().state);
}

TEST_CASE("es an upcaster is applied on read", "[es][repository]") {
  fixture f;
  cairn::streams s(*f.client);
  auto written = s.append("accounts", "acc-4", cairn::expected_version::no_stream,
                          {{.type = "bank.AccountOpened.v1", .data = R"({"owner":"di"})"},
                           {.type = "bank.Deposited.v1", .data = R"({"amount":3})"}});
  REQUIRE(written);
  REQUIRE(std::holds_alternative<cairn::appended>(written.value()));
  es::repository<bank::account> repo(*f.client, f.registry, options());
  const bank::command deposit_50 = bank::deposit{50};
  REQUIRE(repo.handle("acc-4", deposit_50));
  auto loaded = repo.load("acc-4");
  REQUIRE(loaded);
  CHECK(loaded.value().state.balance_cents == 350);
  CHECK(loaded.value().version == 2);

  es::event_registry<bank::event> without_upcaster;
  es::repository<bank::account> strict(*f.client, without_upcaster, options());
  CHECK(strict.load("acc-4").error() == es::errc::unknown_event_type);
}

TEST_CASE("es a retried command id is recognised and not applied twice", "[es][repository]") {
  fixture f;
  es::repository<bank::account> repo(*f.client, f.registry, options());
  const bank::command open_ed = bank::open_account{"ed"};
  REQUIRE(repo.handle("acc-5", open_ed, {.command_id = "open-1"}));
  const bank::command deposit_70 = bank::deposit{70};
  auto once = repo.handle("acc-5", deposit_70, {.command_id = "dep-1"});
  REQUIRE(once);
  CHECK_FALSE(once.value().duplicate);
  es::repository<bank::account> fresh(*f.client, f.registry, options());  // knows only the stream
  const bank::command deposit_70_again = bank::deposit{70};
  auto again = fresh.handle("acc-5", deposit_70_again, {.command_id = "dep-1"});
  REQUIRE(again);
  CHECK(again.value().duplicate);
  CHECK(again.value().version == once.value().version);
  CHECK(again.value().events.empty());
  auto loaded = fresh.load("acc-5");
  REQUIRE(loaded);
  CHECK(loaded.value().state.balance_cents == 70);
  const bank::command overdraw = bank::withdraw{100};
  CHECK(repo.handle("acc-5", overdraw).error() == bank::refusal::insufficient_funds);
}

TEST_CASE("es coroutine handle and load on the client executor", "[es][repository]") {
  fixture f;
  es::repository<bank::account> repo(*f.client, f.registry, options());
  // A spawned root returns void (co_spawn needs a default-constructible result): it stores its
  // outcome here.
  cairn::result<std::int64_t> balance = cairn::sdk::errc::aborted;
  int refusal_attempts = 0;
  auto run = [&]() -> cairn::awaitable<void> {
    bank::command open = bank::open_account{"fay"};
    es::command_meta meta;
    auto opened = co_await repo.async_handle("acc-6", std::move(open), std::move(meta));
    if (!opened) {
      balance = opened.error();
      co_return;
    }
    bank::command dep = bank::deposit{25};
    es::command_meta dep_meta;
    auto deposited = co_await repo.async_handle("acc-6", std::move(dep), std::move(dep_meta));
    if (!deposited) {
      balance = deposited.error();
      co_return;
    }
    bank::command overdraw = bank::withdraw{1'000};
    es::command_meta overdraw_meta;
    auto refused =
        co_await repo.async_handle("acc-6", std::move(overdraw), std::move(overdraw_meta));
    if (refused || refused.error() != bank::refusal::insufficient_funds) co_return;
    refusal_attempts = refused.attempts();
    auto loaded = co_await repo.async_load("acc-6");
    if (!loaded) {
      balance = loaded.error();
      co_return;
    }
    balance = loaded.value().state.balance_cents;
  };
  boost::asio::co_spawn(f.client->executor(), run(), boost::asio::use_future).get();
  REQUIRE(balance);
  CHECK(balance.value() == 25);
  CHECK(refusal_attempts == 1);  // the coroutine form reports rounds on a refusal too
}

TEST_CASE("es handle gives up after attempts_max and writes the es headers", "[es][repository]") {
  fixture f;
  auto other_client = connect(f.broker);
  es::repository_options once = options();
  once.attempts_max = 1;
  es::repository<racing_account> first(*f.client, f.registry, once);
  es::repository<racing_account> second(*other_client, f.registry, options());
  const bank::command open_gus = bank::open_account{"gus"};
  REQUIRE(first.handle("acc-7", open_gus, {.command_id = "c-1", .correlation_id = "corr-1"}));

  const bank::command deposit_5 = bank::deposit{5};
  racing_account::before_decide = [&] { REQUIRE(second.handle("acc-7", deposit_5)); };
  auto lost = first.handle("acc-7", deposit_5);
  REQUIRE_FALSE(lost);
  CHECK(lost.error() == es::errc::retries_exhausted);
  CHECK(lost.attempts() == 1);  // attempts_max

  cairn::streams s(*f.client);
  auto slice = s.read("accounts", "acc-7");
  REQUIRE(slice);
  REQUIRE(slice.value().events.size() == 2);
  auto env =
      es::make_envelope("accounts", "acc-7", slice.value().partition, slice.value().events[0]);
  CHECK(env.type == "bank.AccountOpened.v1");
  CHECK(env.command_id == "c-1");
  CHECK(env.correlation_id == "corr-1");
  CHECK(env.causation_id.empty());
  CHECK(env.version == 0);
}

TEST_CASE("es a snapshot newer than its stream is ignored", "[es][repository]") {
  fixture f;
  temp_dir snapshot_dir;
  auto store = cairn::lmdb::snapshot_store::open(snapshot_dir.path());
  REQUIRE(store);
  es::loaded_aggregate<bank::account> stale;
  stale.state = {true, "old", 999, 9};
  stale.version = 50;
  auto bytes = es::encode_snapshot(stale);
  REQUIRE(store.value().put("accounts/acc-8", cairn::stream_version{50}, 1, bytes));

  es::repository<bank::account> repo(*f.client, f.registry, options(), &store.value());
  const bank::command open_hal = bank::open_account{"hal"};
  REQUIRE(repo.handle("acc-8", open_hal));  // decided on the stream, not on the stale snapshot
  auto loaded = repo.load("acc-8");
  REQUIRE(loaded);
  CHECK(loaded.value().state == bank::account_state{true, "hal", 0, 0});
  CHECK(loaded.value().version == 0);
}

TEST_CASE("es a repository of capnp events against a real broker", "[es][repository][capnp]") {
  fixture f;
  const auto registry = capnp_bank::registry();
  temp_dir snapshot_dir;
  auto store = cairn::lmdb::snapshot_store::open(snapshot_dir.path());
  REQUIRE(store);
  es::repository_options o = options();
  o.snapshots.every_events = 3;
  es::repository<capnp_bank::account> snapshotted(*f.client, registry, o, &store.value());
  es::repository<capnp_bank::account> plain(*f.client, registry, options());

  // The first release wrote a capnp v1 deposit (whole units) after a JSON opening.
  cairn::streams s(*f.client);
  auto written = s.append("accounts", "acc-c", cairn::expected_version::no_stream,
                          {{.type = "bank.AccountOpened.v1", .data = R"({"owner":"ivy"})"},
                           {.type = std::string(capnp_bank::kDepositedV1),
                            .data = capnp_bank::deposited_v1_bytes(4),
                            .headers = {{"content-type", "application/x-capnp"}}}});
  REQUIRE(written);
  REQUIRE(std::holds_alternative<cairn::appended>(written.value()));

  for (int i = 1; i <= 4; ++i) {
    const bank::command deposit_i = bank::deposit{i};
    REQUIRE(snapshotted.handle("acc-c", deposit_i, {.command_id = "dep-" + std::to_string(i)}));
  }
  const bank::command withdraw_30 = bank::withdraw{30};
  REQUIRE(snapshotted.handle("acc-c", withdraw_30));
  const bank::command overdraw = bank::withdraw{1'000};
  CHECK(snapshotted.handle("acc-c", overdraw).error() == bank::refusal::insufficient_funds);

  auto from_history = plain.load("acc-c");
  auto from_snapshot = snapshotted.load("acc-c");
  REQUIRE(from_history);
  REQUIRE(from_snapshot);
  CHECK(from_history.value().state == bank::account_state{true, "ivy", 400 + 10 - 30, 5});
  CHECK(from_history.value().version == 6);
  CHECK(from_snapshot.value().state == from_history.value().state);
  CHECK(from_snapshot.value().snapshot_version == 5);  // every 3 events: at versions 2 and 5
  CHECK(from_history.value().applied("dep-4") == std::optional<std::int64_t>{5});

  // What the broker stored: capnp bytes with their content type beside the es headers; JSON
  // without one.
  auto slice = s.read("accounts", "acc-c");
  REQUIRE(slice);
  REQUIRE(slice.value().events.size() == 7);
  const auto& opened = slice.value().events[0];
  CHECK(es::header_value(opened.headers, "content-type").empty());
  const auto& deposit = slice.value().events[2];
  CHECK(deposit.type == "bank.capnp.Deposited.v2");
  CHECK(es::header_value(deposit.headers, "content-type") == "application/x-capnp");
  CHECK(es::header_value(deposit.headers, "command-id") == "dep-1");
  for (const auto& e : slice.value().events)
    CHECK(registry.decode(e));

  // A damaged capnp record in the stream stops the load with malformed_event.
  auto damaged = s.append("accounts", "acc-c", cairn::expected_version::any,
                          {{.type = "bank.capnp.Withdrawn.v1", .data = "not capnp"}});
  REQUIRE(damaged);
  CHECK(plain.load("acc-c").error() == es::errc::malformed_event);
}
