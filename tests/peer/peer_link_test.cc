// peer_link and peer_links against real sockets: a fake_peer listening on 127.0.0.1 in the test.
#include "broker/peer/peer_link.h"

#include <catch2/catch.hpp>
#include <chrono>

#include "broker/peer/peer_links.h"
#include "tests/peer/fake_peer.h"
#include "tests/peer/random_messages.h"

namespace cairn::peer {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using std::chrono::steady_clock;
using testing::fake_peer;
using testing::fake_peer_options;

// Runs the io_context until `done()` or the timeout. Everything (links, fake peers, the test's
// sends) runs on this thread, as on the broker's I/O thread.
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = steady_clock::now() + timeout;
  while (!done()) {
    if (steady_clock::now() > deadline) return false;
    io.run_for(2ms);
    if (io.stopped()) io.restart();
  }
  return true;
}

peer_link_options fast_options() {
  peer_link_options o;
  o.self = raft::node_id{1};
  o.backoff_min = 10ms;
  o.backoff_max = 100ms;
  return o;
}

std::vector<group_message> messages_to(testing::message_generator& gen, int n, std::int32_t to) {
  std::vector<group_message> out;
  for (int i = 0; i < n; ++i) {
    auto m = gen.message();
    m.message.from = raft::node_id{1};
    m.message.to = raft::node_id{to};
    out.push_back(std::move(m));
  }
  return out;
}

void require_same(const std::vector<group_message>& got, const std::vector<group_message>& sent) {
  REQUIRE(got.size() == sent.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    REQUIRE(testing::describe(got[i]) == testing::describe(sent[i]));
}

TEST_CASE("messages arrive in order; one loop turn's messages share a frame", "[peer]") {
  asio::io_context io;
  fake_peer peer(io);
  peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", peer.port()}, fast_options());
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  CHECK(peer.s().handshakes == 1);

  testing::message_generator gen(Catch::rngSeed() + 31);
  auto first = messages_to(gen, 50, 2);
  for (const auto& m : first)
    REQUIRE(link.send(m));
  REQUIRE(run_until(io, [&] { return peer.s().messages.size() == 50; }));
  CHECK(peer.s().frame_sizes == std::vector<std::size_t>{50});

  auto second = messages_to(gen, 3, 2);
  for (const auto& m : second)
    REQUIRE(link.send(m));
  link.gossip({gen.leadership(), gen.leadership()});
  REQUIRE(run_until(io, [&] { return peer.s().messages.size() == 53; }));
  auto all = first;
  all.insert(all.end(), second.begin(), second.end());
  require_same(peer.s().messages, all);
  CHECK(peer.s().frame_sizes == std::vector<std::size_t>{50, 3});
  CHECK(peer.s().leaderships.size() == 2);

  // Gossip alone makes a frame too.
  link.gossip({gen.leadership()});
  REQUIRE(run_until(io, [&] { return peer.s().leaderships.size() == 3; }));
  REQUIRE(run_until(io, [&] { return link.counters().responses == 3; }));
  auto c = link.counters();
  CHECK(c.frames_sent == 3);
  CHECK(c.messages_sent == 53);
  CHECK(c.messages_dropped == 0);
  CHECK(c.connects == 1);
  CHECK(c.reconnects == 0);
  CHECK(c.bytes_sent > 0);
  CHECK(c.responses_refused == 0);
  CHECK(peer.s().bad == 0);
  CHECK(link.queued_bytes() == 0);
}

TEST_CASE("a frame stops taking messages past the soft size limit", "[peer]") {
  asio::io_context io;
  fake_peer peer(io);
  auto options = fast_options();
  options.frame_bytes_soft_max = 8 * 1024;
  peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", peer.port()}, options);
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  std::vector<group_message> sent;
  for (int i = 0; i < 20; ++i) {
    group_message m{{"orders", 0},
                    {raft::node_id{1}, raft::node_id{2},
                     raft::append_request{.term = raft::term_id{2},
                                          .prev_offset = log_offset{i - 1},
                                          .prev_term = raft::term_id{i == 0 ? 0 : 2},
                                          .entries = {{.base_offset = log_offset{i},
                                                       .last_offset = log_offset{i},
                                                       .term = raft::term_id{2},
                                                       .records = std::string(3000, 'r')}},
                                          .leader_commit = log_offset{0}}}};
    sent.push_back(m);
    REQUIRE(link.send(std::move(m)));
  }
  REQUIRE(run_until(io, [&] { return peer.s().messages.size() == 20; }));
  require_same(peer.s().messages, sent);
  for (std::size_t n : peer.s().frame_sizes)
    CHECK(n <= 2);  // two ~3 KiB messages reach 8 KiB with a third
  CHECK(peer.s().frame_sizes.size() >= 10);
}

TEST_CASE("a refused request is counted and the link keeps going", "[peer]") {
  asio::io_context io;
  fake_peer_options refusing;
  refusing.refuse = protocol::errc::invalid_request;
  fake_peer peer(io, 0, refusing);
  peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", peer.port()}, fast_options());
  link.start();
  testing::message_generator gen(Catch::rngSeed() + 32);
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  for (int round = 0; round < 3; ++round) {
    REQUIRE(link.send(messages_to(gen, 1, 2)[0]));
    REQUIRE(run_until(
        io, [&] { return link.counters().responses_refused == std::uint64_t(round) + 1; }));
  }
  CHECK(link.connected());
  CHECK(link.counters().connects == 1);
}

TEST_CASE("a peer that is another node or another cluster is not connected to", "[peer]") {
  asio::io_context io;
  fake_peer_options other_node;
  other_node.node_id = 3;
  fake_peer wrong_node(io, 0, other_node);
  fake_peer_options other_cluster;
  other_cluster.cluster_id = "green";
  fake_peer wrong_cluster(io, 0, other_cluster);
  peer_link a(io.get_executor(), raft::node_id{2}, {"127.0.0.1", wrong_node.port()},
              fast_options());
  peer_link b(io.get_executor(), raft::node_id{2}, {"127.0.0.1", wrong_cluster.port()},
              fast_options());
  a.start();
  b.start();
  testing::message_generator gen(Catch::rngSeed() + 33);
  a.send(messages_to(gen, 1, 2)[0]);
  b.send(messages_to(gen, 1, 2)[0]);
  REQUIRE(run_until(io, [&] {
    return a.counters().connect_failures >= 2 && b.counters().connect_failures >= 2;
  }));
  CHECK(a.counters().connects == 0);
  CHECK(b.counters().connects == 0);
  CHECK(wrong_node.s().messages.empty());
  CHECK(wrong_cluster.s().messages.empty());
  // What was queued is dropped at the failed attempt, not kept for a link that is down.
  CHECK(a.counters().messages_dropped == 1);
  CHECK(a.queued_bytes() == 0);
}

TEST_CASE("a peer that restarts on the same port is reconnected to", "[peer]") {
  asio::io_context io;
  auto peer = std::make_unique<fake_peer>(io);
  const std::uint16_t port = peer->port();
  peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", port}, fast_options());
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  testing::message_generator gen(Catch::rngSeed() + 34);
  auto before = messages_to(gen, 5, 2);
  for (const auto& m : before)
    link.send(m);
  REQUIRE(run_until(io, [&] { return peer->s().messages.size() == 5; }));

  peer->close();  // the peer goes down: listener and connection closed
  REQUIRE(run_until(io, [&] { return !link.connected(); }));
  REQUIRE(run_until(io, [&] { return link.counters().connect_failures >= 2; }));  // refused
  peer.reset();
  peer = std::make_unique<fake_peer>(io, port);  // back, same port
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  auto after = messages_to(gen, 5, 2);
  for (const auto& m : after)
    link.send(m);
  REQUIRE(run_until(io, [&] { return peer->s().messages.size() == 5; }));
  require_same(peer->s().messages, after);
  CHECK(link.counters().connects == 2);
  CHECK(link.counters().reconnects == 1);
}

TEST_CASE("a paused peer fills the budget, then messages are dropped, not queued", "[peer]") {
  asio::io_context io;
  fake_peer_options paused;
  paused.read = false;
  fake_peer peer(io, 0, paused);
  auto options = fast_options();
  options.handshake = false;  // a paused peer would never answer it
  options.queued_bytes_max = 256 * 1024;
  peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", peer.port()}, options);
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  group_message big{{"orders", 0},
                    {raft::node_id{1}, raft::node_id{2},
                     raft::append_request{.term = raft::term_id{2},
                                          .prev_offset = log_offset{-1},
                                          .prev_term = raft::term_id{0},
                                          .entries = {{.base_offset = log_offset{0},
                                                       .last_offset = log_offset{0},
                                                       .term = raft::term_id{2},
                                                       .records = std::string(32 * 1024, 'p')}},
                                          .leader_commit = log_offset{0}}}};
  // Fill the budget, let the writer run, repeat: the kernel's socket buffers take several MiB,
  // then the writer blocks and the queue stays full. Bounded at 2,000 rounds (~64 MiB).
  bool stalled = false;
  for (int round = 0; round < 2000 && !stalled; ++round) {
    while (link.send(big)) {
    }
    CHECK(link.queued_bytes() <= options.queued_bytes_max);
    run_until(
        io, [] { return false; }, 20ms);
    stalled = !link.send(big);  // the writer took nothing in 20 ms
  }
  REQUIRE(stalled);
  const auto stalled_at = link.counters();
  CHECK(stalled_at.messages_dropped > 0);
  CHECK(stalled_at.bytes_sent > 0);
  run_until(
      io, [] { return false; }, 200ms);
  CHECK_FALSE(link.send(big));  // still full: the peer has read nothing, nothing moved
  CHECK(link.counters().bytes_sent == stalled_at.bytes_sent);
  CHECK(link.queued_bytes() <= options.queued_bytes_max);
  CHECK(link.connected());
  link.stop();
  CHECK(link.queued_bytes() == 0);
}

// run() returns once nothing is left to do: the link's coroutine ended, every timer cancelled.
std::chrono::milliseconds time_to_drain(asio::io_context& io) {
  const auto started = steady_clock::now();
  io.restart();
  io.run_for(5s);
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - started);
}

TEST_CASE("stop() while waiting for the handshake ends the link at once", "[peer]") {
  asio::io_context io;
  fake_peer_options silent;
  silent.answer_handshake = false;
  fake_peer peer(io, 0, silent);
  auto options = fast_options();
  options.connect_timeout = 30s;
  peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", peer.port()}, options);
  link.start();
  REQUIRE(run_until(io, [&] { return peer.s().handshakes == 1; }));
  CHECK_FALSE(link.connected());
  link.stop();
  peer.close();
  CHECK(time_to_drain(io) < 1s);
  CHECK(io.stopped());
  testing::message_generator gen(1);
  CHECK_FALSE(link.send(messages_to(gen, 1, 2)[0]));
}

TEST_CASE("stop() during the backoff ends the link at once", "[peer]") {
  asio::io_context io;
  std::uint16_t closed_port = 0;
  {
    fake_peer gone(io);
    closed_port = gone.port();
  }
  auto options = fast_options();
  options.backoff_min = 2s;
  options.backoff_max = 2s;
  peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", closed_port}, options);
  link.start();
  REQUIRE(run_until(io, [&] { return link.counters().connect_failures == 1; }));
  link.stop();
  CHECK(time_to_drain(io) < 1s);
  CHECK(io.stopped());
}

TEST_CASE("a link destroyed right after start leaves nothing behind", "[peer]") {
  asio::io_context io;
  fake_peer peer(io);
  {
    peer_link link(io.get_executor(), raft::node_id{2}, {"127.0.0.1", peer.port()}, fast_options());
    link.start();
    io.poll();
  }
  peer.close();
  CHECK(time_to_drain(io) < 1s);
}

TEST_CASE("peer_links routes each message to the link of its `to`", "[peer]") {
  asio::io_context io;
  fake_peer_options as2, as3;
  as2.node_id = 2;
  as3.node_id = 3;
  fake_peer two(io, 0, as2);
  fake_peer three(io, 0, as3);
  cluster_map cluster{{raft::node_id{1}, {"127.0.0.1", 1}},
                      {raft::node_id{2}, {"127.0.0.1", two.port()}},
                      {raft::node_id{3}, {"127.0.0.1", three.port()}}};
  peer_links links(io.get_executor(), cluster, fast_options());
  CHECK(links.size() == 2);  // none to itself
  CHECK(links.find(raft::node_id{1}) == nullptr);
  links.start();
  REQUIRE(run_until(io, [&] {
    return links.find(raft::node_id{2})->connected() && links.find(raft::node_id{3})->connected();
  }));
  testing::message_generator gen(Catch::rngSeed() + 35);
  auto to2 = messages_to(gen, 7, 2);
  auto to3 = messages_to(gen, 4, 3);
  for (std::size_t i = 0; i < 7; ++i) {
    REQUIRE(links.send(to2[i]));
    if (i < 4) REQUIRE(links.send(to3[i]));
  }
  CHECK_FALSE(links.send(messages_to(gen, 1, 4)[0]));  // no such node
  CHECK_FALSE(links.send(messages_to(gen, 1, 1)[0]));  // itself
  links.gossip({gen.leadership()});
  REQUIRE(run_until(io, [&] {
    return two.s().messages.size() == 7 && three.s().messages.size() == 4 &&
           two.s().leaderships.size() == 1 && three.s().leaderships.size() == 1;
  }));
  require_same(two.s().messages, to2);
  require_same(three.s().messages, to3);
  CHECK(links.unroutable() == 2);
  CHECK(links.totals().messages_sent == 11);
  CHECK(links.totals().connects == 2);
  links.stop();
  two.close();
  three.close();
  CHECK(time_to_drain(io) < 1s);
}

}  // namespace
}  // namespace cairn::peer
