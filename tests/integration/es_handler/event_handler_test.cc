// Event handlers against real cairn-broker processes: a poison event lands in `<topic>.dlq`
// with its error in headers while other keys flow on; a later event of the poisoned key is
// parked behind it; a transient failure is retried, not parked; offsets are committed after
// handling (a restarted member does not see handled records again, one that ended before its
// commit does); a new member rebuilds the parked keys from the DLQ; `cairn dlq list|replay`
// get the parked records handled in order once the handler is fixed; the coroutine form.
// Every wait is bounded and waits for an event (a handled record, a DLQ record, an output
// line); handlers are stopped and brokers killed at the end of each test. A DLQ that is not
// co-partitioned with its topic is refused.
#include "cairn/es/event_handler.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#include "cairn/admin.h"
#include "cairn/es/errc.h"
#include "tests/integration/cli_process.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

namespace {

namespace es = cairn::es;
using cairn::testing::broker_process;
using cairn::testing::cli_process;
using cairn::testing::temp_dir;
using namespace std::chrono_literals;

const std::vector<std::string> kBrokerArgs = {"--group-initial-rebalance-delay-ms", "0",
                                              "--offsets-partitions", "1"};
constexpr auto kWait = 20s;

std::string address(const broker_process& b) {
  return "127.0.0.1:" + std::to_string(b.port());
}

std::unique_ptr<cairn::client> connect(const std::string& addr) {
  auto c = cairn::client::create({.bootstrap = {addr}});
  REQUIRE(c);
  return std::move(c).value();
}

es::event_handler_options handler_options(const std::string& topic, const std::string& group) {
  es::event_handler_options o{.topics = {topic}, .group = group};
  o.consumer.session_timeout_ms = 6'000;  // the broker's minimum
  o.consumer.heartbeat_interval_ms = 1'000;
  o.consumer.rebalance_timeout_ms = 10'000;
  o.attempts_max = 3;
  o.backoff_initial_ms = 5;
  o.backoff_max_ms = 20;
  o.poll_timeout_ms = 200;
  return o;
}

// What handlers saw, shared with the test thread. A value starting with "poison" fails until
// `fixed`; one starting with "flaky" fails `flaky_failures` times first.
struct world {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<std::string, std::string>> handled;  // key, value
  bool fixed = false;
  int flaky_failures = 0;
  int attempts = 0;

  cairn::result<void> on_record(const cairn::consumer_record& r) {
    std::lock_guard lock(mutex);
    ++attempts;
    auto value = r.value.value_or("");
    if (value.starts_with("poison") && !fixed) return es::errc::malformed_event;
    if (value.starts_with("flaky") && flaky_failures > 0) {
      --flaky_failures;
      return std::make_error_code(std::errc::resource_unavailable_try_again);
    }
    handled.emplace_back(r.key.value_or(""), value);
    changed.notify_all();
    return cairn::success();
  }

  bool saw(const std::string& value) {
    for (const auto& [k, v] : handled) {
      if (v == value) return true;
    }
    return false;
  }
  bool wait_for_value(const std::string& value) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kWait, [&] { return saw(value); });
  }
  std::vector<std::string> values_of(const std::string& key) {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& [k, v] : handled) {
      if (k == key) out.push_back(v);
    }
    return out;
  }
  void set_fixed() {
    std::lock_guard lock(mutex);
    fixed = true;
  }
};

// One handler on its own thread and client, as a service would run it, until stop().
class handler_thread {
 public:
  handler_thread(world& w, const std::string& addr, es::event_handler_options options) : world_(w) {
    thread_ = std::jthread([this, addr, options](std::stop_token stop) {
      auto client = cairn::client::create({.bootstrap = {addr}});
      if (!client) return fail(client.error());
      auto h = es::event_handler::create(
          *client.value(), options,
          [this](const cairn::consumer_record& r) { return world_.on_record(r); });
      if (!h) return fail(h.error());
      auto ran = h.value()->run(stop);
      std::lock_guard lock(mutex_);
      if (ran) stats_ = ran.value();
      if (!ran) error_ = ran.error();
    });
  }
  ~handler_thread() { stop(); }
  void stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  es::handler_stats stats() {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  std::error_code error() {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  void fail(std::error_code ec) {
    std::lock_guard lock(mutex_);
    error_ = ec;
  }

  world& world_;
  std::mutex mutex_;
  es::handler_stats stats_;
  std::error_code error_;
  std::jthread thread_;
};

void produce(cairn::client& c, const std::string& topic,
             const std::vector<std::pair<std::string, std::string>>& records) {
  auto p = cairn::producer::create(c);
  REQUIRE(p);
  for (const auto& [key, value] : records) {
    p.value()->send({.topic = topic, .key = key, .value = value}, [](const auto&) {});
  }
  REQUIRE(p.value()->flush(30'000));
}

// Reads `topic` from the beginning until `count` records arrived (bounded).
std::vector<cairn::consumer_record> read_topic(cairn::client& c, const std::string& topic,
                                               std::size_t count) {
  auto n = c.partition_count(topic);
  REQUIRE(n);
  std::vector<cairn::topic_partition> tps;
  for (std::int32_t p = 0; p < n.value(); ++p)
    tps.push_back({topic, p});
  cairn::consumer reader(c);
  reader.assign(tps);
  REQUIRE(reader.seek_to_beginning(tps));
  std::vector<cairn::consumer_record> out;
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto polled = reader.poll(200);
    REQUIRE(polled);
    out.insert(out.end(), polled.value().begin(), polled.value().end());
  }
  return out;
}

std::optional<std::string> header(const cairn::consumer_record& r, std::string_view key) {
  for (const auto& h : r.headers) {
    if (h.key == key) return h.value;
  }
  return std::nullopt;
}

// Runs the CLI to its end (it is bounded itself; `timeout` guards against a hang) and returns
// its exit code and stdout lines.
std::pair<int, std::vector<std::string>> run_cli(const std::string& args) {
  std::string command = "timeout 60 " CAIRN_CLI_PATH " " + args;
  FILE* f = ::popen(command.c_str(), "r");
  REQUIRE(f != nullptr);
  std::vector<std::string> lines;
  char buf[8192];
  while (std::fgets(buf, sizeof buf, f) != nullptr) {
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(line);
  }
  int status = ::pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, lines};
}

struct fixture {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  std::string addr = address(broker);
  std::unique_ptr<cairn::client> client = connect(addr);

  explicit fixture(const std::string& topic, std::int32_t partitions = 2) {
    cairn::admin a(*client);
    REQUIRE(a.create_topic(topic, {.partitions = partitions}));
  }
};

}  // namespace

TEST_CASE("a poison event lands in the DLQ and processing of other keys continues",
          "[es][handler][dlq]") {
  fixture f("orders");
  world w;
  handler_thread h(w, f.addr, handler_options("orders", "billing"));
  produce(*f.client, "orders",
          {{"a", "a1"}, {"b", "b1"}, {"a", "poison-a2"}, {"b", "b2"}, {"a", "a3"}, {"b", "b3"}});

  REQUIRE(w.wait_for_value("b3"));
  auto dlq = read_topic(*f.client, "orders.dlq", 2);
  REQUIRE(dlq.size() == 2);
  // The poison event, with the error in headers...
  const auto& poison = dlq[0];
  CHECK(poison.key == "a");
  CHECK(poison.value == "poison-a2");
  CHECK(header(poison, "dlq-reason") == "failed");
  CHECK(header(poison, "dlq-group") == "billing");
  CHECK(header(poison, "dlq-source-topic") == "orders");
  CHECK(header(poison, "dlq-error") == std::error_code(es::errc::malformed_event).message());
  CHECK(header(poison, "dlq-error-code") == "cairn.es:2");
  CHECK(header(poison, "dlq-attempts") == "3");
  CHECK(header(poison, "dlq-source-partition") == std::to_string(poison.partition));
  // ...and a's later event parked behind it: the handler never saw a3 before a2.
  const auto& behind = dlq[1];
  CHECK(behind.value == "a3");
  CHECK(header(behind, "dlq-reason") == "parked-behind");
  CHECK(poison.partition == behind.partition);
  CHECK(w.values_of("a") == std::vector<std::string>{"a1"});
  CHECK(w.values_of("b") == std::vector<std::string>{"b1", "b2", "b3"});
  h.stop();
  CHECK_FALSE(h.error());
  CHECK(h.stats().parked == 2);
}

TEST_CASE("a transient failure that succeeds on retry is not parked", "[es][handler]") {
  fixture f("orders");
  world w;
  w.flaky_failures = 2;  // attempts_max is 3: the third attempt succeeds
  handler_thread h(w, f.addr, handler_options("orders", "billing"));
  produce(*f.client, "orders", {{"a", "flaky-a1"}, {"a", "a2"}});
  REQUIRE(w.wait_for_value("a2"));
  h.stop();
  CHECK(w.values_of("a") == std::vector<std::string>{"flaky-a1", "a2"});
  CHECK(h.stats().retried == 2);
  CHECK(h.stats().parked == 0);
  auto meta = f.client->metadata({"orders.dlq"});
  REQUIRE(meta);
  for (const auto& p : meta.value().topics.at(0).partitions)
    CHECK(p.high_watermark == 0);  // created, and empty
}

TEST_CASE("lag counts what the group has not committed, and run_until_caught_up clears it",
          "[es][handler][lag]") {
  fixture f("orders");  // two partitions
  world w;
  produce(*f.client, "orders", {{"a", "a1"}, {"b", "b1"}, {"a", "poison-a2"}, {"c", "c1"}});
  auto h =
      es::event_handler::create(*f.client, handler_options("orders", "billing"),
                                [&w](const cairn::consumer_record& r) { return w.on_record(r); });
  REQUIRE(h);

  auto before = h.value()->lag();
  REQUIRE(before);
  CHECK(before.value().total == 4);  // nothing committed: every record counts
  REQUIRE(before.value().partitions.size() == 2);
  std::int64_t watermarks = 0;
  for (const auto& p : before.value().partitions) {
    CHECK(p.partition.topic == "orders");
    CHECK(p.committed == 0);
    CHECK(p.lag == p.high_watermark);
    watermarks += p.high_watermark;
  }
  CHECK(watermarks == 4);

  // The parked record counts as done: it is in the DLQ and its offset is committed.
  auto ran = h.value()->run_until_caught_up(kWait);
  REQUIRE(ran);
  CHECK(ran.value().handled == 3);
  CHECK(ran.value().parked == 1);
  auto after = h.value()->lag();
  REQUIRE(after);
  CHECK(after.value().caught_up());
  for (const auto& p : after.value().partitions)
    CHECK(p.committed == p.high_watermark);

  produce(*f.client, "orders", {{"b", "b2"}});
  auto again = h.value()->lag();
  REQUIRE(again);
  CHECK(again.value().total == 1);
  REQUIRE(h.value()->run_until_caught_up(kWait));
  CHECK(w.saw("b2"));
  h.value()->close();
}

TEST_CASE("offsets are committed after handling", "[es][handler]") {
  fixture f("orders");
  world w;
  {
    handler_thread first(w, f.addr, handler_options("orders", "billing"));
    produce(*f.client, "orders", {{"a", "a1"}, {"b", "b1"}});
    REQUIRE(w.wait_for_value("a1"));
    REQUIRE(w.wait_for_value("b1"));
  }  // stopped: it committed after each batch and left the group
  {
    // A restarted member of the same group starts after what was handled.
    handler_thread second(w, f.addr, handler_options("orders", "billing"));
    produce(*f.client, "orders", {{"a", "a2"}});
    REQUIRE(w.wait_for_value("a2"));
  }
  CHECK(w.values_of("a") == std::vector<std::string>{"a1", "a2"});
  CHECK(w.values_of("b") == std::vector<std::string>{"b1"});

  // A handler process that ends right after handling a3, before its commit: a3 comes again.
  produce(*f.client, "orders", {{"a", "a3"}});
  {
    cli_process crashing(CAIRN_HANDLER_RUNNER_PATH,
                         {f.addr, "orders", "billing", "--exit-after", "1"});
    REQUIRE(crashing.wait_out(
        [](const auto& lines) {
          return std::find(lines.begin(), lines.end(), "handled a a3") != lines.end();
        },
        kWait));
    CHECK(crashing.signal_and_wait(0) == 9);  // it ended on its own, with _Exit(9)
  }
  handler_thread third(w, f.addr, handler_options("orders", "billing"));
  REQUIRE(w.wait_for_value("a3"));
  third.stop();
  CHECK(w.values_of("a") == std::vector<std::string>{"a1", "a2", "a3"});
}

TEST_CASE("a new member rebuilds the parked keys from the DLQ", "[es][handler][dlq]") {
  fixture f("orders");
  world w;
  {
    handler_thread first(w, f.addr, handler_options("orders", "billing"));
    produce(*f.client, "orders", {{"a", "poison-a1"}, {"b", "b1"}});
    REQUIRE(w.wait_for_value("b1"));
    REQUIRE(read_topic(*f.client, "orders.dlq", 1).size() == 1);
  }
  // The next member knows a is parked only from the DLQ: a2 must be parked behind, unseen.
  handler_thread second(w, f.addr, handler_options("orders", "billing"));
  produce(*f.client, "orders", {{"a", "a2"}, {"b", "b2"}});
  REQUIRE(w.wait_for_value("b2"));
  auto dlq = read_topic(*f.client, "orders.dlq", 2);
  REQUIRE(dlq.size() == 2);
  CHECK(dlq[1].value == "a2");
  CHECK(header(dlq[1], "dlq-reason") == "parked-behind");
  CHECK(w.values_of("a").empty());
  // Another group has its own parked keys: a flows there.
  world other;
  other.fixed = true;  // shipping's handler takes poison-a1 fine
  handler_thread shipping(other, f.addr, handler_options("orders", "shipping"));
  REQUIRE(other.wait_for_value("a2"));
  CHECK(other.values_of("a") == std::vector<std::string>{"poison-a1", "a2"});
}

TEST_CASE("cairn dlq list and replay get parked events handled in order", "[es][handler][cli]") {
  fixture f("orders");
  world w;
  handler_thread h(w, f.addr, handler_options("orders", "billing"));
  produce(*f.client, "orders", {{"a", "a1"}, {"a", "poison-a2"}, {"a", "a3"}, {"b", "b1"}});
  REQUIRE(w.wait_for_value("b1"));
  REQUIRE(read_topic(*f.client, "orders.dlq", 2).size() == 2);

  auto [listed, lines] = run_cli("-b " + f.addr + " dlq list orders --group billing --json");
  REQUIRE(listed == 0);
  REQUIRE(lines.size() == 2);
  auto first = boost::json::parse(lines[0]).as_object();
  auto second = boost::json::parse(lines[1]).as_object();
  CHECK(first.at("key") == "a");
  CHECK(first.at("value") == "poison-a2");
  CHECK(first.at("reason") == "failed");
  CHECK(first.at("attempts") == 3);
  CHECK(first.at("source_offset") == 1);
  CHECK(first.at("error_code") == "cairn.es:2");
  CHECK(second.at("value") == "a3");
  CHECK(second.at("reason") == "parked-behind");
  auto [table, table_lines] = run_cli("-b " + f.addr + " dlq list orders");
  CHECK(table == 0);
  CHECK(table_lines.size() == 3);  // the heading and two entries

  // Fixed: replay. The handler gets a2 then a3, resolves both, and a flows again.
  w.set_fixed();
  auto [replayed, out] = run_cli("-b " + f.addr + " dlq replay orders --group billing --key a");
  REQUIRE(replayed == 0);
  REQUIRE(w.wait_for_value("a3"));
  produce(*f.client, "orders", {{"a", "a4"}});
  REQUIRE(w.wait_for_value("a4"));
  CHECK(w.values_of("a") == std::vector<std::string>{"a1", "poison-a2", "a3", "a4"});
  auto [after, after_lines] = run_cli("-b " + f.addr + " dlq list orders --group billing --json");
  CHECK(after == 0);
  CHECK(after_lines.empty());
  // Replaying again finds nothing; copies delivered twice would be skipped as stale.
  auto [again, again_out] = run_cli("-b " + f.addr + " dlq replay orders --group billing");
  CHECK(again == 0);
  REQUIRE(again_out.size() == 1);
  CHECK(again_out[0].starts_with("replayed 0 "));
  h.stop();
  CHECK(h.stats().resolved == 2);
}

TEST_CASE("a replayed event that fails again stays parked at the head of its key",
          "[es][handler][cli]") {
  fixture f("orders");
  world w;
  handler_thread h(w, f.addr, handler_options("orders", "billing"));
  produce(*f.client, "orders", {{"a", "poison-a1"}, {"a", "a2"}, {"b", "b1"}});
  REQUIRE(w.wait_for_value("b1"));
  REQUIRE(read_topic(*f.client, "orders.dlq", 2).size() == 2);
  // Not fixed yet: the copy of a1 fails and is parked again in its place; a2's copy waits.
  auto [replayed, out] = run_cli("-b " + f.addr + " dlq replay orders --group billing");
  REQUIRE(replayed == 0);
  REQUIRE(read_topic(*f.client, "orders.dlq", 3).size() == 3);
  auto [listed, lines] = run_cli("-b " + f.addr + " dlq list orders --group billing --json");
  REQUIRE(listed == 0);
  REQUIRE(lines.size() == 2);
  CHECK(boost::json::parse(lines[0]).as_object().at("value") == "poison-a1");
  CHECK(boost::json::parse(lines[0]).as_object().at("dlq_offset") == 2);  // the new entry, first
  CHECK(boost::json::parse(lines[1]).as_object().at("value") == "a2");
  CHECK(w.values_of("a").empty());
}

TEST_CASE("the coroutine form parks a poison event and handles the rest", "[es][handler]") {
  fixture f("orders");
  auto c = connect(f.addr);
  std::mutex mutex;
  std::vector<std::string> seen;  // touched on the client's thread; read after the run
  auto h = es::event_handler::create(
      *c, handler_options("orders", "billing"),
      [&](const cairn::consumer_record& r) -> cairn::awaitable<cairn::result<void>> {
        auto value = r.value.value_or("");
        if (value.starts_with("poison")) co_return es::errc::malformed_event;
        std::lock_guard lock(mutex);
        seen.push_back(value);
        co_return cairn::success();
      });
  REQUIRE(h);
  CHECK(h.value()->run_once().error() == es::handler_errc::wrong_form);
  produce(*f.client, "orders", {{"a", "poison-a1"}, {"a", "a2"}, {"b", "b1"}});
  auto saw = [&](const std::string& value) {
    std::lock_guard lock(mutex);
    return std::find(seen.begin(), seen.end(), value) != seen.end();
  };
  // A spawned root returns awaitable<void> (co_spawn needs a default-constructible result):
  // run_once until b1 is handled and both of a's records are parked (bounded), then async_run
  // until b2 is handled.
  std::promise<cairn::result<es::handler_stats>> finished;
  auto run = finished.get_future();
  boost::asio::co_spawn(
      c->executor(),
      [&]() -> cairn::awaitable<void> {
        es::handler_stats total;
        for (int i = 0; i < 200 && !(saw("b1") && total.parked >= 2); ++i) {
          auto once = co_await h.value()->async_run_once();
          if (!once) {
            finished.set_value(once.error());
            co_return;
          }
          total += once.value();
        }
        finished.set_value(total);
      },
      boost::asio::detached);
  REQUIRE(run.wait_for(kWait) == std::future_status::ready);
  auto total = run.get();
  REQUIRE(total);
  CHECK(total.value().parked == 2);

  produce(*f.client, "orders", {{"b", "b2"}});
  std::promise<cairn::result<es::handler_stats>> finished_run;
  auto second = finished_run.get_future();
  boost::asio::co_spawn(
      c->executor(),
      [&]() -> cairn::awaitable<void> {
        std::function<bool()> stop = [&] { return saw("b2"); };  // named: see sdk/README.md
        auto ran = co_await h.value()->async_run(stop);
        finished_run.set_value(std::move(ran));
      },
      boost::asio::detached);
  REQUIRE(second.wait_for(kWait) == std::future_status::ready);
  REQUIRE(second.get());
  auto dlq = read_topic(*f.client, "orders.dlq", 2);
  REQUIRE(dlq.size() == 2);
  CHECK(dlq[0].value == "poison-a1");
  CHECK(dlq[1].value == "a2");
  CHECK(header(dlq[1], "dlq-reason") == "parked-behind");
  CHECK(seen == std::vector<std::string>{"b1", "b2"});
  auto parked = h.value()->parked();  // the run is over: read from this thread
  REQUIRE(parked.size() == 2);
  CHECK(parked[0].value == "poison-a1");
  CHECK(parked[0].reason == es::park_reason::failed);
  CHECK(parked[1].reason == es::park_reason::parked_behind);

  auto bad = handler_options("orders", "billing");
  bad.consumer.auto_commit = true;
  CHECK(
      es::event_handler::create(*c, bad, [](const cairn::consumer_record&) -> cairn::result<void> {
        return cairn::success();
      }).error() == cairn::sdk::errc::invalid_config);
  h.value()->close();
}

TEST_CASE("a DLQ with another partition count than its topic is refused", "[es][handler][dlq]") {
  fixture f("orders");
  cairn::admin a(*f.client);
  REQUIRE(a.create_topic("orders.dlq", {.partitions = 1}));
  auto h = es::event_handler::create(
      *f.client, handler_options("orders", "billing"),
      [](const cairn::consumer_record&) -> cairn::result<void> { return cairn::success(); });
  REQUIRE(h);
  // A key's entries would land in another partition number than its records: nothing runs.
  CHECK(h.value()->run_once().error() == es::handler_errc::dlq_partitions);
}
