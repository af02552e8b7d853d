// The fault toolkit against a real cairn-broker, driven by the SDK: a produce through a proxy
// that is cut fails within its timeout (no hang) and a new client produces after heal; a paused
// proxy times a request out; a SIGSTOPped broker times a request out and serves again after
// SIGCONT; a SIGKILLed broker is reaped by broker_process and restarts behind the same proxy.
// Every wait is bounded; no sleep stands in for synchronisation.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>

#include "cairn/admin.h"
#include "cairn/producer.h"
#include "tests/fault/metadata_rewrite.h"
#include "tests/fault/nemesis.h"
#include "tests/fault/tcp_proxy.h"
#include "tests/support/broker_process.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace {

using cairn::testing::broker_process;
using cairn::testing::temp_dir;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fault = cairn::fault;

// Short timeouts, so that a fault shows up as an error within seconds.
cairn::client_options fast_options(std::string bootstrap) {
  return {.bootstrap = {std::move(bootstrap)},
          .connect_timeout_ms = 1'000,
          .request_timeout_ms = 1'500,
          .reconnect_backoff_ms = 20,
          .reconnect_backoff_max_ms = 200};
}

std::unique_ptr<cairn::client> connect(std::string bootstrap) {
  auto c = cairn::client::create(fast_options(std::move(bootstrap)));
  REQUIRE(c);
  return std::move(c).value();
}

std::unique_ptr<cairn::producer> make_producer(cairn::client& c) {
  auto p = cairn::producer::create(c, {.linger_ms = 0,
                                       .retry_backoff_ms = 50,
                                       .delivery_timeout_ms = 3'000,
                                       .broker_timeout_ms = 1'000});
  REQUIRE(p);
  return std::move(p).value();
}

// Sends one record and waits (bounded) for its outcome. nullopt: no outcome in time (a hang).
std::optional<cairn::delivery_result> produce(cairn::producer& p, const std::string& value,
                                              std::chrono::milliseconds wait = 20s) {
  auto f = p.send({.topic = "faults", .key = std::nullopt, .value = value});
  if (f.wait_for(wait) != std::future_status::ready) return std::nullopt;
  return f.get();
}

// A broker behind a proxy whose Metadata responses name the proxy, so that every request of a
// client bootstrapped through the proxy goes through it.
struct proxied_broker {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string()};
  // Read on the proxy's thread: an atomic, set once the proxy exists.
  std::atomic<std::uint16_t> advertised_port{0};
  fault::tcp_proxy proxy{{.target_port = broker.port(),
                          .to_client_filter = fault::metadata_port_rewriter::factory(
                              [this](std::int32_t, std::uint16_t) -> std::optional<std::uint16_t> {
                                return advertised_port.load();
                              })}};

  proxied_broker() { advertised_port = proxy.port(); }

  void create_topic() {
    auto c = connect("127.0.0.1:" + std::to_string(broker.port()));
    cairn::admin admin(*c);
    auto created = admin.create_topic("faults", {.partitions = 1});
    if (!created) FAIL(created.error().message());
  }
};

}  // namespace

TEST_CASE("produce through a proxy fails within its timeout after cut and works after heal",
          "[fault][broker]") {
  proxied_broker b;
  b.create_topic();
  auto c = connect(b.proxy.address());
  auto p = make_producer(*c);

  auto ok = produce(*p, "before");
  REQUIRE(ok);
  REQUIRE(ok->has_value());
  // All of it went through the proxy, Metadata included: the client knows only its port.
  auto metadata = c->metadata();
  REQUIRE(metadata);
  REQUIRE(metadata.value().brokers.size() == 1);
  CHECK(metadata.value().brokers[0].port == b.proxy.port());
  auto before = b.proxy.counters();
  CHECK(before.bytes_from_client > 0);
  CHECK(before.bytes_to_client > 0);

  b.proxy.cut();
  auto start = steady::now();
  auto failed = produce(*p, "during");
  REQUIRE(failed);  // an outcome, not a hang
  CHECK_FALSE(failed->has_value());
  auto took = steady::now() - start;
  CHECK(took < 3'000ms + 5s);  // delivery_timeout_ms plus slack
  INFO("produce during cut: " << failed->error().message());
  CHECK(b.proxy.counters().connections_refused > 0);  // the client kept trying, and was reset

  b.proxy.heal();
  auto c2 = connect(b.proxy.address());
  auto p2 = make_producer(*c2);
  auto again = produce(*p2, "after");
  REQUIRE(again);
  REQUIRE(again->has_value());
  CHECK(again->value().offset > ok->value().offset);
  // The first client recovers too, once its backoff lets it reconnect.
  auto recovered = produce(*p, "first client again");
  REQUIRE(recovered);
  CHECK(recovered->has_value());
}

TEST_CASE("a paused proxy times a request out and resume lets the client work again",
          "[fault][broker]") {
  proxied_broker b;
  b.create_topic();
  auto c = connect(b.proxy.address());
  REQUIRE(c->metadata());

  b.proxy.pause();
  auto start = steady::now();
  auto stuck = c->metadata();
  auto took = steady::now() - start;
  REQUIRE_FALSE(stuck);
  INFO("metadata while paused: " << stuck.error().message());
  CHECK(stuck.error() == cairn::sdk::errc::request_timeout);
  // It waited, then gave up. The broker learned from Metadata and the bootstrap entry are one
  // address (the proxy), asked once: one request_timeout_ms (1.5 s). The connection is closed
  // with the timeout (as Kafka's client does), so after resume the client dials again.
  CHECK(took >= 1'500ms);
  CHECK(took < 1'500ms + 1s);

  b.proxy.resume();
  auto p = make_producer(*c);
  auto ok = produce(*p, "after resume");
  REQUIRE(ok);
  CHECK(ok->has_value());
}

TEST_CASE("a SIGSTOPped broker times requests out and serves again after SIGCONT",
          "[fault][broker][nemesis]") {
  proxied_broker b;
  b.create_topic();
  auto c = connect("127.0.0.1:" + std::to_string(b.broker.port()));
  REQUIRE(c->metadata());

  REQUIRE_FALSE(fault::pause(b.broker.pid()));
  CHECK(fault::process_state(b.broker.pid()) == 'T');
  auto start = steady::now();
  auto stuck = c->metadata();
  REQUIRE_FALSE(stuck);
  INFO("metadata while stopped: " << stuck.error().message());
  CHECK(stuck.error() == cairn::sdk::errc::request_timeout);
  CHECK(steady::now() - start < 1'500ms + 1s);  // as above: one address, asked once

  REQUIRE_FALSE(fault::resume(b.broker.pid()));
  CHECK(fault::process_state(b.broker.pid()) != 'T');
  auto p = make_producer(*c);
  auto ok = produce(*p, "after SIGCONT");
  REQUIRE(ok);
  CHECK(ok->has_value());
}

TEST_CASE("kill_9 crashes a broker that broker_process reaps and restarts behind the proxy",
          "[fault][broker][nemesis]") {
  proxied_broker b;
  b.create_topic();
  std::int64_t acknowledged = -1;
  {
    auto c = connect(b.proxy.address());
    auto p = make_producer(*c);
    for (int i = 0; i < 10; ++i) {
      auto ok = produce(*p, "record " + std::to_string(i));
      REQUIRE(ok);
      REQUIRE(ok->has_value());
      acknowledged = ok->value().offset;
    }
  }

  pid_t pid = b.broker.pid();
  REQUIRE_FALSE(fault::kill_9(pid));
  CHECK(fault::process_state(pid) == 'Z');  // dead, not yet reaped: that is the caller's job
  CHECK(cairn::testing::killed(b.broker.kill()));
  CHECK(fault::process_state(pid) == 0);
  CHECK(fault::kill_9(pid) == std::errc::no_such_process);

  // A client through the proxy now fails fast: the proxy cannot reach the broker.
  auto c = connect(b.proxy.address());
  auto down = c->metadata();
  REQUIRE_FALSE(down);
  CHECK(b.proxy.counters().connections_failed > 0);

  // Restart on the same data directory (on a new port) and point the proxy at it.
  b.broker.start();
  b.proxy.set_target("127.0.0.1", b.broker.port());
  auto p = make_producer(*c);
  auto ok = produce(*p, "after restart");
  REQUIRE(ok);
  REQUIRE(ok->has_value());
  // acks=all records acknowledged before the crash survived it (a process crash: the page
  // cache holds what was written).
  CHECK(ok->value().offset == acknowledged + 1);
}

TEST_CASE("nemesis refuses pids that are not a process", "[fault][nemesis]") {
  CHECK(fault::pause(0) == std::errc::invalid_argument);
  CHECK(fault::resume(-1) == std::errc::invalid_argument);
  CHECK(fault::process_state(0x7ffffff0) == 0);
}
