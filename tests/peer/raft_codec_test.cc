// raft_codec: round trips of every message kind and of leadership gossip (random values from a
// seeded generator, through a real Replicate frame), and every kind of bad input refused with
// invalid_request and a message naming the problem.
#include "broker/peer/raft_codec.h"

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <limits>

#include "broker/peer/replicate_frame.h"
#include "protocol/wire_errc.h"
#include "tests/peer/random_messages.h"

namespace cairn::peer {
namespace {

using testing::describe;
using testing::message_generator;

// Through the wire: frame, parse_request (the server's validation), decode.
std::vector<group_message> round_trip(const std::vector<group_message>& messages,
                                      const std::vector<raft::partition_leadership>& leaderships,
                                      std::vector<raft::partition_leadership>* leaderships_out) {
  auto frame = build_replicate_frame(7, "cairn", raft::node_id{1}, messages, leaderships,
                                     protocol::frame_bytes_max_default);
  REQUIRE(frame);
  auto parsed = protocol::parse_request(std::move(frame).value());
  REQUIRE(parsed);
  REQUIRE(parsed.value().kind() == wire::Request::REPLICATE);
  auto replicate = parsed.value().root().getReplicate();
  CHECK(std::string_view(replicate.getClusterId().cStr()) == "cairn");
  CHECK(replicate.getFromNode() == 1);
  std::vector<group_message> out;
  for (auto m : replicate.getMessages()) {
    auto decoded = decode_message(m);
    INFO((decoded ? std::string() : decoded.error().message));
    REQUIRE(decoded);
    out.push_back(std::move(decoded).value());
  }
  for (auto l : replicate.getLeaderships()) {
    auto decoded = decode_leadership(l);
    INFO((decoded ? std::string() : decoded.error().message));
    REQUIRE(decoded);
    leaderships_out->push_back(std::move(decoded).value());
  }
  return out;
}

TEST_CASE("every message kind survives a round trip through a Replicate frame", "[peer]") {
  message_generator gen(Catch::rngSeed() + 1);
  for (int round = 0; round < 200; ++round) {
    std::vector<group_message> messages;
    for (int kind = 0; kind < 6; ++kind)
      messages.push_back(gen.message(kind));
    for (int extra = 0; extra < gen.uniform(0, 10); ++extra)
      messages.push_back(gen.message());
    std::vector<raft::partition_leadership> leaderships;
    for (int i = 0; i < gen.uniform(0, 4); ++i)
      leaderships.push_back(gen.leadership());
    std::vector<raft::partition_leadership> got_leaderships;
    auto got = round_trip(messages, leaderships, &got_leaderships);
    REQUIRE(got.size() == messages.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      REQUIRE(describe(got[i]) == describe(messages[i]));
      // describe() prints a hash of the records: compare the bytes too.
      if (auto* a = std::get_if<raft::append_request>(&messages[i].message.body)) {
        REQUIRE(std::get<raft::append_request>(got[i].message.body).entries == a->entries);
      }
    }
    REQUIRE(got_leaderships == leaderships);
  }
}

TEST_CASE("an empty Replicate frame carries the envelope only", "[peer]") {
  std::vector<raft::partition_leadership> none;
  auto got = round_trip({}, {}, &none);
  CHECK(got.empty());
  CHECK(none.empty());
}

TEST_CASE("a frame over the limit is refused at build time", "[peer]") {
  message_generator gen(Catch::rngSeed() + 2);
  std::vector<group_message> messages{gen.message(2)};
  auto& append = std::get<raft::append_request>(messages[0].message.body);
  append.entries.clear();
  raft::entry e{.base_offset = append.prev_offset + 1,
                .last_offset = append.prev_offset + 1,
                .term = append.term,
                .records = std::string(64 * 1024, 'x')};
  append.entries.push_back(e);
  auto frame = build_replicate_frame(1, "cairn", raft::node_id{1}, messages, {}, 32 * 1024);
  REQUIRE_FALSE(frame);
  CHECK(frame.error() == protocol::errc::frame_too_large);
  CHECK(wire_bytes_estimate(messages[0]) > 64 * 1024);
}

// ---------------------------------------------------------------------------------------------
// Bad input: start from a valid message, break one thing, expect a refusal naming it.

template <class Break>
void expect_refused(const group_message& valid, Break breaker, std::string_view mentions,
                    const codec_limits& limits = {}) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::RaftMessage>();
  encode_message(valid.group, valid.message, root);
  REQUIRE(decode_message(root.asReader(), limits));  // the control: valid before the break
  breaker(root);
  auto decoded = decode_message(root.asReader(), limits);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == protocol::errc::invalid_request);
  INFO(decoded.error().message);
  CHECK(decoded.error().message.find(mentions) != std::string::npos);
}

group_message vote(std::int64_t term = 5) {
  return {{"orders", 3},
          {raft::node_id{1}, raft::node_id{2},
           raft::vote_request{.term = raft::term_id{term},
                              .last_offset = log_offset{10},
                              .last_term = raft::term_id{4}}}};
}

group_message append_of(std::vector<raft::entry> entries) {
  return {{"orders", 3},
          {raft::node_id{1}, raft::node_id{2},
           raft::append_request{.term = raft::term_id{5},
                                .prev_offset = log_offset{9},
                                .prev_term = raft::term_id{2},
                                .entries = std::move(entries),
                                .leader_commit = log_offset{4}}}};
}

raft::entry data_entry(std::int64_t base, std::int64_t last, std::int64_t term) {
  return {.base_offset = log_offset{base},
          .last_offset = log_offset{last},
          .term = raft::term_id{term},
          .records = "batch"};
}

raft::entry config_entry(std::int64_t base, std::int64_t term) {
  return {
      .base_offset = log_offset{base},
      .last_offset = log_offset{base},
      .term = raft::term_id{term},
      .kind = raft::entry_kind::config,
      .config = {.voters = {raft::node_id{1}, raft::node_id{2}}, .learners = {raft::node_id{3}}}};
}

group_message two_entries() {
  return append_of({data_entry(10, 14, 3), config_entry(15, 4)});
}

using B = wire::RaftMessage::Builder;

TEST_CASE("the envelope: group, node ids, term, union", "[peer]") {
  expect_refused(
      vote(), [](B m) { m.setTopic(""); }, "not a valid topic name");
  expect_refused(
      vote(), [](B m) { m.setTopic("a/b"); }, "not a valid topic name");
  expect_refused(
      vote(), [](B m) { m.setTopic(".."); }, "not a valid topic name");
  expect_refused(
      vote(), [](B m) { m.setTopic(std::string(250, 'a')); }, "not a valid topic");
  expect_refused(
      vote(), [](B m) { m.setTopic(std::string("a\nforged log line")); }, "a?forged");
  expect_refused(
      vote(), [](B m) { m.setPartition(-1); }, "partition -1");
  expect_refused(
      vote(), [](B m) { m.setFrom(0); }, "node ids are > 0");
  expect_refused(
      vote(), [](B m) { m.setTo(-4); }, "node ids are > 0");
  expect_refused(
      vote(), [](B m) { m.setTo(1); }, "to itself");
  expect_refused(
      vote(), [](B m) { m.setTerm(-1); }, "term -1");
  expect_refused(
      vote(), [](B m) { m.setTerm(std::int64_t{1} << 31); }, "outside [0, 2^31)");
  expect_refused(
      vote(), [](B m) { m.setUnset(); }, "union unset");
  // An unset union is also what a zeroed struct reads as.
  capnp::MallocMessageBuilder empty;
  auto root = empty.initRoot<wire::RaftMessage>();
  root.setTopic("orders");
  root.setFrom(1);
  root.setTo(2);
  CHECK_FALSE(decode_message(root.asReader()));
}

TEST_CASE("vote requests: positions and terms", "[peer]") {
  expect_refused(
      vote(), [](B m) { m.getVoteRequest().setLastOffset(-2); }, "last offset -2");
  expect_refused(
      vote(), [](B m) { m.getVoteRequest().setLastTerm(6); }, "above the message's");
  expect_refused(
      vote(), [](B m) { m.getVoteRequest().setLastTerm(-1); }, "last term -1");
  expect_refused(
      vote(),
      [](B m) {
        m.getVoteRequest().setLastOffset(-1);
        m.getVoteRequest().setLastTerm(2);
      },
      "offset -1 with term 2");
  expect_refused(
      vote(),
      [](B m) { m.getVoteRequest().setLastOffset(std::numeric_limits<std::int64_t>::max()); },
      "outside [-1, 2^62]");
}

TEST_CASE("append requests: offsets, contiguity, terms, kinds", "[peer]") {
  auto entries = [](B m) { return m.getAppendRequest().getEntries(); };
  expect_refused(
      two_entries(), [](B m) { m.getAppendRequest().setPrevOffset(-2); }, "prev offset");
  expect_refused(
      two_entries(), [](B m) { m.getAppendRequest().setPrevTerm(9); }, "prev term 9");
  expect_refused(
      two_entries(), [](B m) { m.getAppendRequest().setLeaderCommit(-1); }, "leaderCommit -1");
  expect_refused(
      two_entries(), [](B m) { m.getAppendRequest().setLeaderLogStart(-2); }, "leaderLogStart -2");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].setLastOffset(9); }, "lastOffset 9 <");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].setBaseOffset(-3); }, "outside [0, 2^62)");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].setBaseOffset(11); }, "not contiguous");
  expect_refused(
      two_entries(),
      [&](B m) {
        entries(m)[1].setBaseOffset(16);
        entries(m)[1].setLastOffset(16);
      },
      "baseOffset 16, expected 15");
  expect_refused(
      two_entries(),
      [&](B m) {
        entries(m)[1].setBaseOffset(15);
        entries(m)[1].setLastOffset(std::numeric_limits<std::int64_t>::max());
      },
      "outside [0, 2^62)");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].setTerm(0); }, "term 0 < 1");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].setTerm(1); }, "outside [2, 5]");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[1].setTerm(2); }, "outside [3, 5]");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[1].setTerm(6); }, "term 6 outside");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].setRecords(capnp::Data::Reader()); },
      "data entry without records");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[1].disownConfig(); }, "config entry without config");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[1].getConfig().initVoters(0); }, "without voters");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].initConfig().initVoters(1).set(0, 1); },
      "configuration on a non-config entry");
  expect_refused(
      two_entries(), [&](B m) { entries(m)[0].setKind(static_cast<wire::RaftEntryKind>(9)); },
      "unknown kind 9");
}

TEST_CASE("oversized lists are refused before anything is built from them", "[peer]") {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::RaftMessage>();
  auto valid = two_entries();
  encode_message(valid.group, valid.message, root);
  auto too_many = decode_message(root.asReader(), codec_limits{.entries_max = 1});
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().message.find("entries: 2 items, at most 1") != std::string::npos);
  auto members = decode_message(root.asReader(), codec_limits{.members_max = 2});
  REQUIRE_FALSE(members);
  CHECK(members.error().message.find("at most 2 members") != std::string::npos);
  CHECK(decode_message(root.asReader(), codec_limits{.entries_max = 2, .members_max = 3}));
}

TEST_CASE("configurations: sorted, unique, positive, disjoint", "[peer]") {
  auto config = [](B m) { return m.getAppendRequest().getEntries()[1].getConfig(); };
  auto set_ids = [](auto list, std::initializer_list<std::int32_t> ids) {
    unsigned i = 0;
    for (auto id : ids)
      list.set(i++, id);
  };
  expect_refused(
      two_entries(),
      [&](B m) {
        set_ids(config(m).initVoters(2), {2, 1});
      },
      "sorted and unique");
  expect_refused(
      two_entries(),
      [&](B m) {
        set_ids(config(m).initVoters(2), {2, 2});
      },
      "sorted and unique");
  expect_refused(
      two_entries(),
      [&](B m) {
        set_ids(config(m).initVoters(2), {0, 1});
      },
      "node id 0");
  expect_refused(
      two_entries(), [&](B m) { set_ids(config(m).initLearners(1), {-7}); }, "node id -7");
  expect_refused(
      two_entries(), [&](B m) { set_ids(config(m).initLearners(1), {2}); },
      "both voter and learner");
}

group_message append_response() {
  return {{"orders", 3},
          {raft::node_id{2}, raft::node_id{1},
           raft::append_response{.term = raft::term_id{5},
                                 .success = false,
                                 .appended_end = log_offset{10},
                                 .durable_end = log_offset{8},
                                 .rejected_prev = log_offset{20},
                                 .hint_offset = log_offset{9},
                                 .hint_term = raft::term_id{3}}}};
}

TEST_CASE("append responses: ends and hints", "[peer]") {
  auto r = [](B m) { return m.getAppendResponse(); };
  expect_refused(
      append_response(), [&](B m) { r(m).setDurableEnd(11); }, "durableEnd 11 >");
  expect_refused(
      append_response(), [&](B m) { r(m).setAppendedEnd(-1); }, "appendedEnd -1");
  expect_refused(
      append_response(), [&](B m) { r(m).setDurableEnd(-1); }, "durableEnd -1");
  expect_refused(
      append_response(), [&](B m) { r(m).setRejectedPrev(-5); }, "rejectedPrev -5");
  expect_refused(
      append_response(), [&](B m) { r(m).setHintOffset(-2); }, "hint offset -2");
  expect_refused(
      append_response(), [&](B m) { r(m).setHintTerm(6); }, "above the message's");
  expect_refused(
      append_response(), [&](B m) { r(m).setLogStart(-2); }, "logStart -2");
  expect_refused(
      append_response(), [&](B m) { r(m).setLogStart(std::int64_t{1} << 62 | 1); }, "logStart");
}

group_message install() {
  return {{"__cluster_metadata", 0},
          {raft::node_id{1}, raft::node_id{3},
           raft::install_request{.term = raft::term_id{5},
                                 .start_offset = log_offset{100},
                                 .prev_term = raft::term_id{4},
                                 .config = {.voters = {raft::node_id{1}, raft::node_id{2}}},
                                 .leader_commit = log_offset{120}}}};
}

TEST_CASE("install requests: start, term, configuration", "[peer]") {
  auto i = [](B m) { return m.getInstallRequest(); };
  expect_refused(
      install(), [&](B m) { i(m).setStartOffset(-1); }, "startOffset -1");
  expect_refused(
      install(),
      [&](B m) {
        i(m).setStartOffset(0);
        i(m).setPrevTerm(2);
      },
      "offset -1 with term 2");
  expect_refused(
      install(), [&](B m) { i(m).setPrevTerm(7); }, "above the message's");
  expect_refused(
      install(), [&](B m) { i(m).setLeaderCommit(-9); }, "leaderCommit -9");
  expect_refused(
      install(), [&](B m) { i(m).getConfig().getVoters().set(0, 3); }, "sorted and unique");
}

// ---------------------------------------------------------------------------------------------
// Leadership gossip

raft::partition_leadership leadership() {
  using raft::node_id;
  return {.topic = "orders",
          .partition = 1,
          .leader = node_id{2},
          .epoch = raft::term_id{7},
          .replicas = {node_id{2}, node_id{1}, node_id{3}},
          .isr = {node_id{2}, node_id{3}},
          .log_start = log_offset{5},
          .high_watermark = log_offset{40},
          .log_end = log_offset{42},
          .replica_states = {{node_id{1}, log_offset{30}, 12, false},
                             {node_id{3}, log_offset{42}, 0, true}}};
}

using L = wire::PartitionLeadership::Builder;

template <class Break>
void expect_leadership_refused(Break breaker, std::string_view mentions) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::PartitionLeadership>();
  encode_leadership(leadership(), root);
  auto control = decode_leadership(root.asReader());
  REQUIRE(control);
  REQUIRE(control.value() == leadership());
  breaker(root);
  auto decoded = decode_leadership(root.asReader());
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == protocol::errc::invalid_request);
  INFO(decoded.error().message);
  CHECK(decoded.error().message.find(mentions) != std::string::npos);
}

TEST_CASE("leadership gossip: every inconsistency is refused", "[peer]") {
  expect_leadership_refused([](L l) { l.setTopic("bad topic"); }, "not a valid topic name");
  expect_leadership_refused([](L l) { l.setPartition(-2); }, "partition -2");
  expect_leadership_refused([](L l) { l.setLeader(0); }, "leader 0");
  expect_leadership_refused([](L l) { l.setLeader(4); }, "leader 4 is not a replica");
  expect_leadership_refused([](L l) { l.setLeaderEpoch(-1); }, "leader epoch -1");
  expect_leadership_refused([](L l) { l.getReplicas().set(1, 2); }, "node 2 twice");
  expect_leadership_refused([](L l) { l.getReplicas().set(1, -1); }, "node id -1");
  expect_leadership_refused([](L l) { l.getInSyncReplicas().set(1, 9); }, "isr member 9");
  expect_leadership_refused([](L l) { l.setHighWatermark(4); }, "not ordered");
  expect_leadership_refused([](L l) { l.setLogEndOffset(39); }, "not ordered");
  expect_leadership_refused([](L l) { l.setLogStartOffset(-1); }, "not ordered");
  expect_leadership_refused([](L l) { l.getReplicaStates()[0].setNodeId(8); }, "not a replica");
  expect_leadership_refused([](L l) { l.getReplicaStates()[1].setNodeId(1); }, "for 1 twice");
  expect_leadership_refused([](L l) { l.getReplicaStates()[0].setMatchEnd(43); }, "outside");
  expect_leadership_refused([](L l) { l.getReplicaStates()[0].setLag(-1); }, "lag -1");
  expect_leadership_refused([](L l) { l.getReplicaStates()[0].setLogStartOffset(-2); },
                            "replica logStartOffset -2");
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::PartitionLeadership>();
  encode_leadership(leadership(), root);
  auto many = decode_leadership(root.asReader(), codec_limits{.members_max = 2});
  REQUIRE_FALSE(many);
  CHECK(many.error().message.find("replicas: 3 items, at most 2") != std::string::npos);
}

}  // namespace
}  // namespace cairn::peer
