// The broker as a user sees it: a real process on a free port, driven over the wire.
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "protocol/key_partitioner.h"
#include "tests/integration/broker_harness.h"

using namespace cairn::testing;
using namespace std::chrono_literals;

TEST_CASE("handshake, create a topic, and see it in metadata", "[broker]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string());
  wire_client c(broker.port());
  auto hello = c.call([](wire::Request::Builder req) {
    auto h = req.initHandshake();
    h.setProtocolVersion(1);
    h.setProtocolVersionMin(1);
    h.setClientId("test");
  });
  REQUIRE(hello.root().getErrorCode() == wire::ErrorCode::NONE);
  CHECK(hello.root().getHandshake().getProtocolVersion() == 1);

  create_topic(c, "orders", 3);
  auto again = c.call([](wire::Request::Builder req) {
    auto t = req.initCreateTopics().initTopics(1)[0];
    t.setName("orders");
    t.initConfig().setPartitions(3);
  });
  CHECK(again.root().getCreateTopics().getTopics()[0].getErrorCode() ==
        wire::ErrorCode::TOPIC_ALREADY_EXISTS);

  auto meta = c.call([](wire::Request::Builder req) { req.initMetadata().setAllTopics(true); });
  auto topics = meta.root().getMetadata().getTopics();
  REQUIRE(topics.size() == 1);
  CHECK(topics[0].getName() == "orders");
  CHECK(topics[0].getPartitions().size() == 3);
  CHECK(meta.root().getMetadata().getBrokers()[0].getPort() == broker.port());

  // Topic metadata survives a restart.
  CHECK(broker.stop() == 0);
  broker.start();
  wire_client after(broker.port());
  auto described = after.call(
      [](wire::Request::Builder req) { req.initDescribeTopics().initNames(1).set(0, "orders"); });
  CHECK(described.root().getDescribeTopics().getTopics()[0].getConfig().getPartitions() == 3);
}

TEST_CASE("keyed records land on one partition, in order, and read back", "[broker]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string());
  wire_client c(broker.port());
  create_topic(c, "events", 4);
  // Producers partition by key with Kafka's murmur2; each key's records keep their order.
  for (int i = 0; i < 40; ++i) {
    std::string key = "customer-" + std::to_string(i % 5);
    int partition = cairn::protocol::partition_for_key(key, 4);
    auto p = produce(c, "events", partition, batch_of({{key, std::to_string(i)}}));
    REQUIRE(p.error == wire::ErrorCode::NONE);
  }
  std::map<std::string, std::vector<int>> by_key;
  std::size_t total = 0;
  for (int partition = 0; partition < 4; ++partition) {
    for (const auto& r : fetch_all(c, "events", partition)) {
      CHECK(cairn::protocol::partition_for_key(r.key, 4) == partition);
      by_key[r.key].push_back(std::stoi(r.value));
      ++total;
    }
  }
  CHECK(total == 40);
  for (const auto& [key, values] : by_key) {
    CHECK(values.size() == 8);
    CHECK(std::is_sorted(values.begin(), values.end()));
  }
  auto unknown = produce(c, "nope", 0, batch_of({{"k", "v"}}));
  CHECK(unknown.error == wire::ErrorCode::UNKNOWN_TOPIC);
  auto beyond = produce(c, "events", 9, batch_of({{"k", "v"}}));
  CHECK(beyond.error == wire::ErrorCode::UNKNOWN_PARTITION);
}

TEST_CASE("a waiting fetch is woken by an append", "[broker]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string());
  wire_client admin(broker.port());
  create_topic(admin, "wake", 1);
  wire_client consumer(broker.port());

  {
    cairn::protocol::frame_writer w;
    fill_fetch(w.init_request(77), "wake", 0, 0, 30'000);
    consumer.send(w);
  }
  // Nothing there yet: the fetch waits (it must not answer empty at once).
  CHECK_FALSE(consumer.receive(100ms).has_value());
  auto started = std::chrono::steady_clock::now();
  REQUIRE(produce(admin, "wake", 0, batch_of({{"k", "hello"}})).error == wire::ErrorCode::NONE);
  auto woken = consumer.receive(20s);
  REQUIRE(woken.has_value());
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(woken->correlation_id() == 77);
  auto records =
      records_of(woken->root().getFetch().getTopics()[0].getPartitions()[0].getRecords());
  REQUIRE(records.size() == 1);
  CHECK(records[0].value == "hello");
  CHECK(elapsed < 20s);  // woken by the append, long before the 30 s max wait
}

TEST_CASE("stream append races: exactly one writer wins each expected version", "[broker]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string(), {"--flush", "always"});
  wire_client admin(broker.port());
  create_topic(admin, "accounts", 3);
  constexpr int kWriters = 6;
  for (int round = 0; round < 5; ++round) {
    std::atomic<int> wins{0}, conflicts{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        wire_client c(broker.port());
        std::string events = batch_of({{"", "deposit by " + std::to_string(w)}});
        auto r = c.call([&](wire::Request::Builder req) {
          auto a = req.initAppendToStream();
          a.setTopic("accounts");
          a.setKey(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>("acct-1"), 6));
          a.setExpectedVersion(round == 0 ? -1 : round - 1);
          a.setRecords(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(events.data()),
                                           events.size()));
        });
        if (r.root().getErrorCode() == wire::ErrorCode::NONE) {
          ++wins;
        } else if (r.root().getErrorCode() == wire::ErrorCode::WRONG_EXPECTED_VERSION &&
                   r.root().getAppendToStream().getActualVersion() == round) {
          ++conflicts;
        }
      });
    }
    for (auto& t : writers)
      t.join();
    CHECK(wins == 1);
    CHECK(conflicts == kWriters - 1);
  }
  auto read = admin.call([](wire::Request::Builder req) {
    auto r = req.initReadStream();
    r.setTopic("accounts");
    r.setKey(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>("acct-1"), 6));
    r.setFromVersion(0);
    r.setMaxCount(100);
  });
  REQUIRE(read.root().getErrorCode() == wire::ErrorCode::NONE);
  CHECK(read.root().getReadStream().getLastVersion() == 4);
  CHECK(read.root().getReadStream().getEvents().size() == 5);
  CHECK(records_of(read.root().getReadStream().getRecords()).size() == 5);
}

TEST_CASE("an idempotent retry after a dropped connection is written once", "[broker]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string());
  {
    wire_client admin(broker.port());
    create_topic(admin, "pay", 1);
  }
  std::string batch = batch_of({{"k", "charge-1"}, {"k", "charge-2"}},
                               {.producer_id = 1001, .producer_epoch = 0, .base_sequence = 0});
  {
    // Send, then drop the connection without reading the answer: the client cannot know.
    wire_client c(broker.port());
    cairn::protocol::frame_writer w;
    auto p = w.init_request(1).initProduce();
    auto part = p.initTopics(1)[0];
    part.setName("pay");
    auto pp = part.initPartitions(1)[0];
    pp.setPartition(0);
    pp.setRecords(
        capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(batch.data()), batch.size()));
    c.send(w);
    REQUIRE(c.receive(10s).has_value());  // wait until it was handled, then drop
  }
  wire_client retry(broker.port());
  auto again = produce(retry, "pay", 0, batch);
  CHECK(again.error == wire::ErrorCode::NONE);
  CHECK(again.base_offset == 0);
  auto records = fetch_all(retry, "pay", 0);
  CHECK(records.size() == 2);
}

TEST_CASE("kill -9 under a produce load loses no acknowledged record", "[broker][crash]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string(), {"--flush", "always"});
  {
    wire_client admin(broker.port());
    create_topic(admin, "ledger", 1);
  }
  std::mutex mu;
  std::condition_variable enough;
  std::vector<std::string> acked;  // guarded by mu
  std::atomic<bool> stop{false};
  std::thread load([&] {
    wire_client c(broker.port());
    for (int i = 0; i < 100'000 && !stop; ++i) {
      std::string value = "entry-" + std::to_string(i);
      try {
        auto p = produce(c, "ledger", 0, batch_of({{"", value}}));
        if (p.error != wire::ErrorCode::NONE) continue;
        std::lock_guard lock(mu);
        acked.push_back(value);
        if (acked.size() == 200) enough.notify_all();
      } catch (const std::exception&) {
        return;  // the broker died mid-request: that record was not acknowledged
      }
    }
  });
  {
    std::unique_lock lock(mu);
    enough.wait_for(lock, 60s, [&] { return acked.size() >= 200; });
  }
  broker.kill();  // mid-load: requests are in flight
  stop = true;
  load.join();
  REQUIRE(acked.size() >= 200);

  broker.start();
  wire_client c(broker.port());
  auto records = fetch_all(c, "ledger", 0);
  std::map<std::string, int> seen;
  for (const auto& r : records)
    ++seen[r.value];
  for (const auto& v : acked)
    CHECK(seen[v] == 1);
  // Offsets are dense and start at 0: nothing torn, nothing doubled.
  for (std::size_t i = 0; i < records.size(); ++i)
    CHECK(records[i].offset == static_cast<std::int64_t>(i));
}

TEST_CASE("responses larger than the client's announced frame limit become errors", "[broker]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string());
  wire_client c(broker.port());
  create_topic(c, "wide", 50);
  auto hello = c.call([](wire::Request::Builder req) {
    auto h = req.initHandshake();
    h.setProtocolVersion(1);
    h.setProtocolVersionMin(1);
    h.setFrameBytesMax(512);  // far smaller than the metadata of 50 partitions
  });
  REQUIRE(hello.root().getErrorCode() == wire::ErrorCode::NONE);
  auto meta = c.call([](wire::Request::Builder req) { req.initMetadata().setAllTopics(true); });
  CHECK(meta.root().getErrorCode() == wire::ErrorCode::RECORD_TOO_LARGE);
  auto small = c.call([](wire::Request::Builder req) { req.initListTopics(); });
  CHECK(small.root().getErrorCode() == wire::ErrorCode::NONE);
}
