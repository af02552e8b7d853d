// replicate_receiver: the envelope checks (a refused request delivers nothing), bad and
// misrouted messages dropped one by one while the rest of the request is delivered.
#include "broker/peer/replicate_receiver.h"

#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "tests/peer/random_messages.h"

namespace cairn::peer {
namespace {

using raft::node_id;

struct fixture {
  std::vector<group_message> messages;
  std::vector<std::pair<node_id, raft::partition_leadership>> leaderships;
  replicate_receiver receiver{
      {.cluster_id = "blue", .self = node_id{1}, .members = {node_id{1}, node_id{2}, node_id{3}}},
      [this](group_message&& m) { messages.push_back(std::move(m)); },
      [this](node_id from, raft::partition_leadership&& l) { leaderships.emplace_back(from, l); }};
};

// A request from `from` holding `messages` (re-addressed from → 1) and one leadership.
void fill(wire::ReplicateRequest::Builder r, std::string_view cluster, std::int32_t from,
          std::vector<group_message> messages) {
  r.setClusterId(capnp::Text::Reader(cluster.data(), cluster.size()));
  r.setFromNode(from);
  auto out = r.initMessages(static_cast<unsigned>(messages.size()));
  for (unsigned i = 0; i < out.size(); ++i)
    encode_message(messages[i].group, messages[i].message, out[i]);
  testing::message_generator gen(3);
  encode_leadership(gen.leadership(), r.initLeaderships(1)[0]);
}

std::vector<group_message> from_to(testing::message_generator& gen, int n, std::int32_t from,
                                   std::int32_t to) {
  std::vector<group_message> out;
  for (int i = 0; i < n; ++i) {
    auto m = gen.message();
    m.message.from = node_id{from};
    m.message.to = node_id{to};
    out.push_back(std::move(m));
  }
  return out;
}

TEST_CASE("a request from a member of the cluster is delivered in order", "[peer]") {
  fixture f;
  testing::message_generator gen(Catch::rngSeed() + 21);
  auto sent = from_to(gen, 20, 2, 1);
  capnp::MallocMessageBuilder b;
  auto r = b.initRoot<wire::ReplicateRequest>();
  fill(r, "blue", 2, sent);
  CHECK_FALSE(f.receiver.on_replicate(r.asReader()));
  REQUIRE(f.messages.size() == sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i)
    CHECK(testing::describe(f.messages[i]) == testing::describe(sent[i]));
  REQUIRE(f.leaderships.size() == 1);
  CHECK(f.leaderships[0].first == node_id{2});
  CHECK(f.receiver.counters().requests == 1);
  CHECK(f.receiver.counters().messages == 20);
  CHECK(f.receiver.counters().leaderships == 1);
}

TEST_CASE("a wrong cluster or an unknown sender is refused and delivers nothing", "[peer]") {
  testing::message_generator gen(Catch::rngSeed() + 22);
  struct bad_case {
    std::string cluster;
    std::int32_t from;
    std::string mentions;
  };
  for (const auto& c : std::vector<bad_case>{{"green", 2, "another cluster"},
                                             {"", 2, "another cluster"},
                                             {"blue", 4, "not a peer"},
                                             {"blue", 1, "not a peer"},
                                             {"blue", 0, "not a peer"},
                                             {"blue", -3, "not a peer"}}) {
    fixture f;
    capnp::MallocMessageBuilder b;
    auto r = b.initRoot<wire::ReplicateRequest>();
    fill(r, c.cluster, c.from, from_to(gen, 5, c.from, 1));
    auto refused = f.receiver.on_replicate(r.asReader());
    REQUIRE(refused);
    CHECK(refused->code == protocol::errc::invalid_request);
    INFO(refused->message);
    CHECK(refused->message.find(c.mentions) != std::string::npos);
    CHECK(f.messages.empty());
    CHECK(f.leaderships.empty());
    CHECK(f.receiver.counters().requests_refused == 1);
  }
}

TEST_CASE("more items than allowed refuses the request", "[peer]") {
  testing::message_generator gen(Catch::rngSeed() + 23);
  std::vector<group_message> got;
  replicate_receiver receiver(
      {.cluster_id = "blue", .self = node_id{1}, .members = {node_id{2}}, .messages_max = 3},
      [&](group_message&& m) { got.push_back(std::move(m)); }, {});
  capnp::MallocMessageBuilder b;
  auto r = b.initRoot<wire::ReplicateRequest>();
  fill(r, "blue", 2, from_to(gen, 4, 2, 1));
  REQUIRE(receiver.on_replicate(r.asReader()));
  CHECK(got.empty());
}

TEST_CASE("bad or misrouted messages are dropped one by one, the rest delivered", "[peer]") {
  fixture f;
  testing::message_generator gen(Catch::rngSeed() + 24);
  auto sent = from_to(gen, 6, 2, 1);
  sent[1].message.from = node_id{3};  // forged: another member's message on 2's link
  sent[3].message.to = node_id{3};    // misrouted: not for this node
  capnp::MallocMessageBuilder b;
  auto r = b.initRoot<wire::ReplicateRequest>();
  fill(r, "blue", 2, sent);
  r.getMessages()[4].setTerm(-1);  // undecodable
  r.getLeaderships()[0].setLeader(0);
  CHECK_FALSE(f.receiver.on_replicate(r.asReader()));
  REQUIRE(f.messages.size() == 3);
  CHECK(testing::describe(f.messages[0]) == testing::describe(sent[0]));
  CHECK(testing::describe(f.messages[1]) == testing::describe(sent[2]));
  CHECK(testing::describe(f.messages[2]) == testing::describe(sent[5]));
  CHECK(f.leaderships.empty());
  auto c = f.receiver.counters();
  CHECK(c.messages_dropped == 3);
  CHECK(c.leaderships_dropped == 1);
  CHECK(c.requests == 1);
}

TEST_CASE("members can change", "[peer]") {
  fixture f;
  testing::message_generator gen(Catch::rngSeed() + 25);
  capnp::MallocMessageBuilder b;
  auto r = b.initRoot<wire::ReplicateRequest>();
  fill(r, "blue", 4, from_to(gen, 2, 4, 1));
  CHECK(f.receiver.on_replicate(r.asReader()));
  f.receiver.set_members({node_id{1}, node_id{4}});
  CHECK_FALSE(f.receiver.on_replicate(r.asReader()));
  CHECK(f.messages.size() == 2);
}

TEST_CASE("log_limiter allows a burst per window and counts the rest", "[peer]") {
  log_limiter limiter(2, std::chrono::seconds(1));
  auto t0 = log_limiter::clock::time_point{} + std::chrono::hours(1);
  std::uint64_t suppressed = 99;
  CHECK(limiter.allow(suppressed, t0));
  CHECK(suppressed == 0);
  CHECK(limiter.allow(suppressed, t0));
  CHECK_FALSE(limiter.allow(suppressed, t0));
  CHECK_FALSE(limiter.allow(suppressed, t0 + std::chrono::milliseconds(500)));
  CHECK(limiter.allow(suppressed, t0 + std::chrono::seconds(1)));
  CHECK(suppressed == 2);
}

}  // namespace
}  // namespace cairn::peer
