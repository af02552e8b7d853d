// Projections against a real cairn-broker: catch-up and live, a projection process killed with
// SIGKILL mid-batch that resumes to the same model as an uninterrupted run, and a rebuild that
// produces the same model while the old one keeps answering queries. Every wait is bounded.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "cairn/admin.h"
#include "cairn/consumer.h"
#include "cairn/es/projection.h"
#include "cairn/producer.h"
#include "tests/integration/projection_model.h"
#include "tests/support/broker_process.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace {

using cairn::testing::broker_process;
using cairn::testing::temp_dir;

constexpr int partitions = 2;
constexpr std::int64_t events = 4'000;

// The projection runner as a child process (projection_runner.cc): killed with SIGKILL mid-batch.
cairn::testing::child_process runner_process(std::vector<std::string> args) {
  args.insert(args.begin(), CAIRN_PROJECTION_RUNNER_PATH);
  return cairn::testing::child_process(std::move(args));
}

struct fixture {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, (dir.path() / "broker").string()};
  std::string address = "127.0.0.1:" + std::to_string(broker.port());
  std::unique_ptr<cairn::client> client = connect();

  std::unique_ptr<cairn::client> connect() {
    auto c = cairn::client::create({.bootstrap = {address}});
    REQUIRE(c);
    return std::move(c).value();
  }

  void produce(const std::string& topic, std::int64_t count) {
    cairn::admin admin(*client);
    if (auto created = admin.create_topic(topic, {.partitions = partitions}); !created) {
      FAIL(created.error().message());
    }
    auto p = cairn::producer::create(*client);
    REQUIRE(p);
    for (std::int64_t i = 0; i < count; ++i) {
      cairn::producer_record r;
      r.topic = topic;
      r.key = "k" + std::to_string(i % 37);
      r.value = "event-" + std::to_string(i);
      p.value()->send(std::move(r), [](const cairn::delivery_result&) {});
    }
    REQUIRE(p.value()->flush(60'000));
  }

  std::vector<std::string> runner_args(const std::string& model, long delay_us) const {
    return {address,
            model,
            "events",
            std::to_string(partitions),
            std::to_string(events),
            std::to_string(delay_us),
            "200"};
  }
};

cairn::es::projection_options model_options(const std::filesystem::path& dir) {
  cairn::es::projection_options o;
  o.dir = dir;
  o.dbs = cairn::testing::projection_dbs;
  for (int i = 0; i < partitions; ++i)
    o.partitions.push_back({"events", i});
  return o;
}

std::string dump_of(const std::filesystem::path& dir) {
  auto p = cairn::es::projection::open(model_options(dir), cairn::testing::apply_test_event);
  REQUIRE(p);
  auto d = p.value()->dump();
  REQUIRE(d);
  return d.value();
}

}  // namespace

TEST_CASE("a projection killed mid-batch resumes to the model of an uninterrupted run",
          "[projection][integration]") {
  fixture f;
  f.produce("events", events);

  {
    auto whole = runner_process(f.runner_args((f.dir.path() / "whole").string(), 0));
    REQUIRE(cairn::testing::exited_ok(whole.wait(90'000)));
  }
  // 200 records a batch at 200 us each: ~40 ms per batch, so a kill right after a batch line
  // lands inside the next batch's write txn.
  for (int kill_round = 0; kill_round < 3; ++kill_round) {
    auto victim = runner_process(f.runner_args((f.dir.path() / "killed").string(), 200));
    std::string line;
    for (int i = 0; i < 2; ++i)
      line = victim.read_line(30'000);
    REQUIRE(line.rfind("batch ", 0) == 0);
    victim.kill();
  }
  auto survivor = runner_process(f.runner_args((f.dir.path() / "killed").string(), 0));
  REQUIRE(cairn::testing::exited_ok(survivor.wait(90'000)));

  auto whole = dump_of(f.dir.path() / "whole");
  CHECK(whole.size() > static_cast<std::size_t>(events) * 10);
  CHECK(dump_of(f.dir.path() / "killed") == whole);
}

TEST_CASE("a projection catches up, follows, and a rebuild yields the same model",
          "[projection][integration]") {
  fixture f;
  f.produce("events", events);

  auto p = cairn::es::projection::open(model_options(f.dir.path() / "model"),
                                       cairn::testing::apply_test_event);
  REQUIRE(p);
  cairn::consumer c(*f.client);
  REQUIRE(p.value()->start(c));
  auto position = [&] {
    auto cp = p.value()->checkpoints();
    REQUIRE(cp);
    std::int64_t sum = 0;
    for (const auto& [tp, next] : cp.value())
      sum += next;
    return sum;
  };
  for (int i = 0; i < 200 && position() < events; ++i)
    REQUIRE(p.value()->run_once(c));
  REQUIRE(position() == events);
  auto before = p.value()->dump();
  REQUIRE(before);

  auto rebuilt = p.value()->rebuild(*f.client, {.terminal_progress = false});
  REQUIRE(rebuilt);
  CHECK(rebuilt.value().records_applied == events);
  CHECK(p.value()->current_dir().filename() == "gen-000002");
  CHECK_FALSE(std::filesystem::exists(f.dir.path() / "model" / "gen-000001"));
  auto after = p.value()->dump();
  REQUIRE(after);
  CHECK(after.value() == before.value());

  // Live again on the new generation.
  {
    auto prod = cairn::producer::create(*f.client);
    REQUIRE(prod);
    cairn::producer_record r;
    r.topic = "events";
    r.key = "late";
    r.value = "late";
    REQUIRE(prod.value()->send(std::move(r)).get());
  }
  // No start(c) here: run_once re-seeks by itself after the switch.
  for (int i = 0; i < 50 && position() < events + 1; ++i)
    REQUIRE(p.value()->run_once(c));
  CHECK(position() == events + 1);
  auto late =
      p.value()->query<std::string>([](cairn::es::projection_txn& v) -> cairn::result<std::string> {
        CAIRN_TRY(auto n, v.db("counts").get("late"));
        return std::string(n.value_or(""));
      });
  REQUIRE(late);
  CHECK(late.value() == "1");
}

TEST_CASE("lag counts what the model has not applied, and run_until_caught_up clears it",
          "[projection][integration][lag]") {
  fixture f;
  f.produce("events", events);
  auto p = cairn::es::projection::open(model_options(f.dir.path() / "model"),
                                       cairn::testing::apply_test_event);
  REQUIRE(p);
  auto& model = *p.value();

  auto before = model.lag(*f.client);
  REQUIRE(before);
  CHECK(before.value().total == events);
  REQUIRE(before.value().partitions.size() == static_cast<std::size_t>(partitions));
  for (const auto& part : before.value().partitions) {
    CHECK(part.committed == 0);
    CHECK(part.lag == part.high_watermark);
  }

  // Without start(): it starts the consumer itself.
  cairn::consumer c(*f.client);
  auto applied = model.run_until_caught_up(*f.client, c, std::chrono::seconds(30));
  REQUIRE(applied);
  CHECK(applied.value() == static_cast<std::size_t>(events));
  auto after = model.lag(*f.client);
  REQUIRE(after);
  CHECK(after.value().caught_up());
  auto cp = model.checkpoints();
  REQUIRE(cp);
  for (const auto& part : after.value().partitions)
    CHECK(cp.value().at(part.partition) == part.high_watermark);

  // Caught up already: nothing to apply, and it returns at once.
  auto again = model.run_until_caught_up(*f.client, c, std::chrono::seconds(30));
  REQUIRE(again);
  CHECK(again.value() == 0);

  // A timeout that has passed before any batch: timed_out while behind.
  {
    auto prod = cairn::producer::create(*f.client);
    REQUIRE(prod);
    for (int i = 0; i < 3; ++i) {
      cairn::producer_record r;
      r.topic = "events";
      r.key = "late-" + std::to_string(i);
      r.value = "late";
      REQUIRE(prod.value()->send(std::move(r)).get());
    }
  }
  auto late = model.lag(*f.client);
  REQUIRE(late);
  CHECK(late.value().total == 3);
  auto expired = model.run_until_caught_up(*f.client, c, std::chrono::milliseconds(0));
  REQUIRE_FALSE(expired);
  CHECK(expired.error() == cairn::sdk::errc::timed_out);
  REQUIRE(model.run_until_caught_up(*f.client, c, std::chrono::seconds(30)));
  CHECK(model.lag(*f.client).value().caught_up());
}

TEST_CASE("async_run_once feeds the model from the client's executor",
          "[projection][integration]") {
  fixture f;
  f.produce("events", events);
  auto p = cairn::es::projection::open(model_options(f.dir.path() / "model"),
                                       cairn::testing::apply_test_event);
  REQUIRE(p);
  auto& model = *p.value();
  cairn::consumer c(*f.client);
  REQUIRE(model.start(c));  // blocking: the consumer has no coroutine seek
  auto loop = [&]() -> cairn::awaitable<std::int64_t> {
    std::int64_t applied = 0;
    for (int i = 0; i < 200 && applied < events; ++i) {
      auto n = co_await model.async_run_once(c);
      if (!n) co_return -1;
      applied += static_cast<std::int64_t>(n.value());
    }
    co_return applied;
  };
  auto done = boost::asio::co_spawn(f.client->executor(), loop, boost::asio::use_future);
  REQUIRE(done.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  CHECK(done.get() == events);
  auto cp = model.checkpoints();
  REQUIRE(cp);
  std::int64_t position = 0;
  for (const auto& [tp, next] : cp.value())
    position += next;
  CHECK(position == events);
}

TEST_CASE("run_once applies what the live consumer read during a rebuild, after the switch",
          "[projection][integration]") {
  fixture f;
  f.produce("events", events);
  auto p = cairn::es::projection::open(model_options(f.dir.path() / "model"),
                                       cairn::testing::apply_test_event);
  REQUIRE(p);
  auto& model = *p.value();
  cairn::consumer live(*f.client);
  REQUIRE(model.start(live));
  auto position = [&] {
    auto cp = model.checkpoints();
    REQUIRE(cp);
    std::int64_t sum = 0;
    for (const auto& [tp, next] : cp.value())
      sum += next;
    return sum;
  };
  auto prod = cairn::producer::create(*f.client);
  REQUIRE(prod);
  auto send = [&](const std::string& key) {
    cairn::producer_record r;
    r.topic = "events";
    r.key = key;
    r.value = key;
    REQUIRE(prod.value()->send(std::move(r)).get());
  };

  // After the rebuild's first batch (its end offsets are fixed by then), a record arrives and
  // the live loop applies it to the old generation: the live consumer is now past the new
  // generation's checkpoints.
  bool sent = false;
  cairn::es::rebuild_options o;
  o.terminal_progress = false;
  o.on_progress = [&](const cairn::es::rebuild_progress&) {
    if (sent) return;
    sent = true;
    send("mid");
    for (int i = 0; i < 50 && position() < events + 1; ++i)
      REQUIRE(model.run_once(live));
    REQUIRE(position() == events + 1);
  };
  for (int i = 0; i < 200 && position() < events; ++i)
    REQUIRE(model.run_once(live));
  REQUIRE(model.rebuild(*f.client, o));
  REQUIRE(sent);
  CHECK(position() == events);  // the new generation stops where the rebuild started

  send("late");
  for (int i = 0; i < 50 && position() < events + 2; ++i)
    REQUIRE(model.run_once(live));
  CHECK(position() == events + 2);
  for (const std::string key : {"mid", "late"}) {
    auto n =
        model.query<std::string>([&](cairn::es::projection_txn& v) -> cairn::result<std::string> {
          CAIRN_TRY(auto value, v.db("counts").get(key));
          return std::string(value.value_or("0"));
        });
    REQUIRE(n);
    CHECK(n.value() == "1");
  }
}
