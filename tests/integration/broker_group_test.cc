// The broker's group coordinator over the wire, against real cairn-broker processes: Kafka's
// join / sync / heartbeat / commit flow, generation fencing, persistence across a restart, and
// bad input. The SDK's group consumer has its own tests; these pin the broker's side.
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "tests/integration/broker_harness.h"

using namespace cairn::testing;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kFastGroups = {"--group-initial-rebalance-delay-ms", "0",
                                              "--offsets-partitions", "3"};

struct joined {
  wire::ErrorCode error;
  std::string member_id;
  std::int32_t generation = -1;
  std::string leader;
  std::size_t members = 0;
  std::string protocol;
};

joined join(wire_client& c, const std::string& group, const std::string& member_id,
            std::int32_t session_timeout_ms = 10'000,
            const std::optional<std::string>& instance = std::nullopt) {
  auto r = c.call([&](wire::Request::Builder req) {
    auto j = req.initJoinGroup();
    j.setGroupId(group);
    j.setMemberId(member_id);
    if (instance) j.setGroupInstanceId(*instance);
    j.setClientId("test");
    j.setSessionTimeoutMs(session_timeout_ms);
    j.setRebalanceTimeoutMs(10'000);
    j.setProtocolType("consumer");
    auto p = j.initProtocols(1)[0];
    p.setName("range");
    p.setMetadata(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>("sub"), 3));
  });
  auto j = r.root().getJoinGroup();
  return {r.root().getErrorCode(), j.getMemberId(),       j.getGenerationId(),
          j.getLeader(),           j.getMembers().size(), j.getProtocolName()};
}

// A new member's two-step join (memberIdRequired, then the real join).
joined join_new(wire_client& c, const std::string& group) {
  auto first = join(c, group, "");
  REQUIRE(first.error == wire::ErrorCode::MEMBER_ID_REQUIRED);
  REQUIRE_FALSE(first.member_id.empty());
  return join(c, group, first.member_id);
}

wire::ErrorCode sync(wire_client& c, const std::string& group, const joined& j,
                     const std::string& assignment_for_self = "") {
  auto r = c.call([&](wire::Request::Builder req) {
    auto s = req.initSyncGroup();
    s.setGroupId(group);
    s.setGenerationId(j.generation);
    s.setMemberId(j.member_id);
    if (j.leader == j.member_id) {
      auto a = s.initAssignments(1)[0];
      a.setMemberId(j.member_id);
      a.setAssignment(
          capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(assignment_for_self.data()),
                              assignment_for_self.size()));
    }
  });
  return r.root().getErrorCode();
}

wire::ErrorCode heartbeat(wire_client& c, const std::string& group, const joined& j) {
  auto r = c.call([&](wire::Request::Builder req) {
    auto h = req.initHeartbeat();
    h.setGroupId(group);
    h.setGenerationId(j.generation);
    h.setMemberId(j.member_id);
  });
  return r.root().getErrorCode();
}

wire::ErrorCode commit(wire_client& c, const std::string& group, std::int32_t generation,
                       const std::string& member, std::int64_t offset) {
  auto r = c.call([&](wire::Request::Builder req) {
    auto o = req.initOffsetCommit();
    o.setGroupId(group);
    o.setGenerationId(generation);
    o.setMemberId(member);
    auto t = o.initTopics(1)[0];
    t.setName("orders");
    auto p = t.initPartitions(1)[0];
    p.setPartition(2);
    p.setOffset(offset);
    p.setMetadata("by test");
  });
  if (r.root().getErrorCode() != wire::ErrorCode::NONE) return r.root().getErrorCode();
  return r.root().getOffsetCommit().getTopics()[0].getPartitions()[0].getErrorCode();
}

std::int64_t committed(wire_client& c, const std::string& group) {
  auto r = c.call([&](wire::Request::Builder req) {
    auto f = req.initOffsetFetch();
    f.setGroupId(group);
    auto t = f.initTopics(1)[0];
    t.setName("orders");
    t.initPartitions(1).set(0, 2);
  });
  REQUIRE(r.root().getErrorCode() == wire::ErrorCode::NONE);
  auto topics = r.root().getOffsetFetch().getTopics();
  if (topics.size() == 0) return -1;
  return topics[0].getPartitions()[0].getOffset();
}

std::string describe_state(wire_client& c, const std::string& group) {
  auto r = c.call(
      [&](wire::Request::Builder req) { req.initDescribeGroups().initGroupIds(1).set(0, group); });
  auto g = r.root().getDescribeGroups().getGroups()[0];
  return g.getState();
}

}  // namespace

TEST_CASE("group coordinator: join, sync, heartbeat, commit and fetch offsets",
          "[broker][groups]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string(), kFastGroups);
  wire_client c(broker.port());

  auto found =
      c.call([](wire::Request::Builder req) { req.initFindCoordinator().setGroupId("billing"); });
  CHECK(found.root().getErrorCode() == wire::ErrorCode::NONE);
  CHECK(found.root().getFindCoordinator().getPort() == broker.port());

  auto a = join_new(c, "billing");
  REQUIRE(a.error == wire::ErrorCode::NONE);
  CHECK(a.leader == a.member_id);
  CHECK(a.members == 1);
  CHECK(a.protocol == "range");
  CHECK(a.generation == 1);
  REQUIRE(sync(c, "billing", a, "my partitions") == wire::ErrorCode::NONE);
  CHECK(heartbeat(c, "billing", a) == wire::ErrorCode::NONE);
  CHECK(describe_state(c, "billing") == "Stable");

  CHECK(committed(c, "billing") == -1);
  REQUIRE(commit(c, "billing", a.generation, a.member_id, 42) == wire::ErrorCode::NONE);
  CHECK(committed(c, "billing") == 42);

  // A zombie from an older generation is fenced.
  CHECK(commit(c, "billing", a.generation - 1, a.member_id, 7) ==
        wire::ErrorCode::ILLEGAL_GENERATION);
  CHECK(heartbeat(c, "billing", {.member_id = "nobody", .generation = a.generation}) ==
        wire::ErrorCode::UNKNOWN_MEMBER_ID);
  // A standalone commit (no generation) is refused while the group has members.
  CHECK(commit(c, "billing", -1, "", 9) == wire::ErrorCode::UNKNOWN_MEMBER_ID);
  CHECK(committed(c, "billing") == 42);

  auto listed = c.call([](wire::Request::Builder req) { req.initListGroups(); });
  REQUIRE(listed.root().getListGroups().getGroups().size() == 1);
  CHECK(listed.root().getListGroups().getGroups()[0].getGroupId() == "billing");

  // Delete needs an empty group.
  auto refused = c.call(
      [](wire::Request::Builder req) { req.initDeleteGroups().initGroupIds(1).set(0, "billing"); });
  CHECK(refused.root().getDeleteGroups().getResults()[0].getErrorCode() ==
        wire::ErrorCode::NON_EMPTY_GROUP);
  auto left = c.call([&](wire::Request::Builder req) {
    auto l = req.initLeaveGroup();
    l.setGroupId("billing");
    l.initMembers(1)[0].setMemberId(a.member_id);
  });
  CHECK(left.root().getErrorCode() == wire::ErrorCode::NONE);
  CHECK(describe_state(c, "billing") == "Empty");
  // Now an offset reset (a standalone commit) is accepted, and delete too.
  CHECK(commit(c, "billing", -1, "", 5) == wire::ErrorCode::NONE);
  CHECK(committed(c, "billing") == 5);
  auto deleted = c.call(
      [](wire::Request::Builder req) { req.initDeleteGroups().initGroupIds(1).set(0, "billing"); });
  CHECK(deleted.root().getDeleteGroups().getResults()[0].getErrorCode() == wire::ErrorCode::NONE);
  CHECK(committed(c, "billing") == -1);
}

TEST_CASE("group coordinator: a second member triggers a rebalance with a new generation",
          "[broker][groups]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string(), kFastGroups);
  wire_client c1(broker.port());
  wire_client c2(broker.port());
  auto a = join_new(c1, "g");
  REQUIRE(a.error == wire::ErrorCode::NONE);
  REQUIRE(sync(c1, "g", a) == wire::ErrorCode::NONE);

  // b's join is held until a rejoins; a learns of the rebalance from its heartbeat.
  auto first_b = join(c2, "g", "");
  REQUIRE(first_b.error == wire::ErrorCode::MEMBER_ID_REQUIRED);
  std::optional<joined> b;
  std::thread joiner([&] { b = join(c2, "g", first_b.member_id); });
  wire::ErrorCode beat = wire::ErrorCode::NONE;
  for (int i = 0; i < 200 && beat == wire::ErrorCode::NONE; ++i) {
    beat = heartbeat(c1, "g", a);
    if (beat == wire::ErrorCode::NONE) std::this_thread::sleep_for(20ms);  // a heartbeat cadence
  }
  REQUIRE(beat == wire::ErrorCode::REBALANCE_IN_PROGRESS);
  auto a2 = join(c1, "g", a.member_id);
  joiner.join();
  REQUIRE(b);
  REQUIRE(a2.error == wire::ErrorCode::NONE);
  REQUIRE(b->error == wire::ErrorCode::NONE);
  CHECK(a2.generation == a.generation + 1);
  CHECK(b->generation == a2.generation);
  CHECK(a2.leader == a.member_id);  // the first member stays leader
  CHECK(a2.members == 2);
  CHECK(b->members == 0);  // only the leader sees the members
  // The old generation can no longer commit.
  CHECK(commit(c1, "g", a.generation, a.member_id, 1) == wire::ErrorCode::ILLEGAL_GENERATION);
}

TEST_CASE("group coordinator: committed offsets and groups survive a restart",
          "[broker][groups][restart]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string(), kFastGroups);
  std::string member;
  std::int32_t generation = 0;
  {
    wire_client c(broker.port());
    auto a = join_new(c, "durable");
    REQUIRE(a.error == wire::ErrorCode::NONE);
    REQUIRE(sync(c, "durable", a, "assignment") == wire::ErrorCode::NONE);
    REQUIRE(commit(c, "durable", a.generation, a.member_id, 1234) == wire::ErrorCode::NONE);
    member = a.member_id;
    generation = a.generation;
  }
  broker.kill();  // no clean shutdown: the records must already be in the log
  broker.start();
  wire_client c(broker.port());
  CHECK(committed(c, "durable") == 1234);
  CHECK(describe_state(c, "durable") == "Stable");
  // The member is back with its generation; its session restarted with the broker.
  CHECK(heartbeat(c, "durable", {.member_id = member, .generation = generation}) ==
        wire::ErrorCode::NONE);
  CHECK(commit(c, "durable", generation, member, 1300) == wire::ErrorCode::NONE);
  CHECK(committed(c, "durable") == 1300);
}

TEST_CASE("group coordinator: an expired session removes the member", "[broker][groups]") {
  temp_dir dir;
  std::vector<std::string> args = kFastGroups;
  args.insert(args.end(), {"--group-min-session-timeout-ms", "200"});
  broker_process broker(broker_binary(), dir.path().string(), args);
  wire_client c(broker.port());
  auto first = join(c, "short", "", 300);
  REQUIRE(first.error == wire::ErrorCode::MEMBER_ID_REQUIRED);
  auto a = join(c, "short", first.member_id, 300);
  REQUIRE(a.error == wire::ErrorCode::NONE);
  REQUIRE(sync(c, "short", a) == wire::ErrorCode::NONE);
  // An offset keeps the group (a group with nothing left is forgotten and describes as Dead).
  REQUIRE(commit(c, "short", a.generation, a.member_id, 3) == wire::ErrorCode::NONE);
  // No heartbeats: the session lapses; the group becomes Empty (bounded wait, polled).
  std::string state;
  for (int i = 0; i < 100 && state != "Empty"; ++i) {
    std::this_thread::sleep_for(50ms);  // waiting for the broker's timer, not an event we see
    state = describe_state(c, "short");
  }
  CHECK(state == "Empty");
  CHECK(heartbeat(c, "short", a) == wire::ErrorCode::UNKNOWN_MEMBER_ID);
  CHECK(committed(c, "short") == 3);
}

TEST_CASE("group coordinator: clients cannot write or delete the offsets topic",
          "[broker][groups][bad-input]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string(), kFastGroups);
  wire_client c(broker.port());
  CHECK(produce(c, "__consumer_offsets", 0, batch_of({{"k", "forged"}})).error ==
        wire::ErrorCode::INVALID_REQUEST);
  auto deleted = c.call([](wire::Request::Builder req) {
    req.initDeleteTopics().initNames(1).set(0, "__consumer_offsets");
  });
  CHECK(deleted.root().getDeleteTopics().getTopics()[0].getErrorCode() ==
        wire::ErrorCode::INVALID_REQUEST);
  auto created = c.call([](wire::Request::Builder req) {
    auto t = req.initCreateTopics().initTopics(1)[0];
    t.setName("__mine");
    t.initConfig().setPartitions(1);
  });
  CHECK(created.root().getCreateTopics().getTopics()[0].getErrorCode() ==
        wire::ErrorCode::INVALID_REQUEST);
  // Still there, and out of the listing.
  auto meta = c.call([](wire::Request::Builder req) {
    req.initMetadata().initTopics(1).set(0, "__consumer_offsets");
  });
  CHECK(meta.root().getMetadata().getTopics()[0].getErrorCode() == wire::ErrorCode::NONE);
  auto listed = c.call([](wire::Request::Builder req) { req.initListTopics(); });
  CHECK(listed.root().getListTopics().getTopics().size() == 0);
}

TEST_CASE("group coordinator: absurd joins get clear errors and the broker keeps serving",
          "[broker][groups][bad-input]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string(), kFastGroups);
  wire_client c(broker.port());
  CHECK(join(c, "g", "", 1).error == wire::ErrorCode::INVALID_SESSION_TIMEOUT);
  CHECK(join(c, "g", "", 2'000'000'000).error == wire::ErrorCode::INVALID_SESSION_TIMEOUT);
  CHECK(join(c, "", "").error == wire::ErrorCode::INVALID_GROUP_ID);
  CHECK(join(c, std::string(5000, 'g'), "").error == wire::ErrorCode::INVALID_GROUP_ID);
  CHECK(join(c, "g", "made-up-member").error == wire::ErrorCode::UNKNOWN_MEMBER_ID);
  // Metadata over the broker's limit (1 MiB per protocol).
  auto big = c.call([](wire::Request::Builder req) {
    auto j = req.initJoinGroup();
    j.setGroupId("g");
    j.setSessionTimeoutMs(10'000);
    j.setRebalanceTimeoutMs(10'000);
    j.setProtocolType("consumer");
    auto p = j.initProtocols(1)[0];
    p.setName("range");
    p.initMetadata(2 << 20);
  });
  CHECK(big.root().getErrorCode() == wire::ErrorCode::INVALID_REQUEST);
  CHECK_FALSE(std::string(big.root().getErrorMessage()).empty());
  // Still serving.
  auto a = join_new(c, "g");
  CHECK(a.error == wire::ErrorCode::NONE);
}
