// Every request and response kind, written with frame_writer, read back through frame_reader in
// random chunks, parsed, and compared field by field.
#include <capnp/schema.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "protocol/frame.h"
#include "protocol_test_util.h"

namespace protocol = cairn::protocol;
namespace wire = cairn::protocol::wire;
using cairn::protocol::test::request_round_trip;
using cairn::protocol::test::response_round_trip;

namespace {

// A stand-in for a RecordBatch v2: the protocol carries it as opaque bytes.
kj::Array<kj::byte> batch_bytes(std::size_t n, kj::byte seed) {
  auto out = kj::heapArray<kj::byte>(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<kj::byte>(seed + i);
  return out;
}

bool same(capnp::Data::Reader a, const kj::Array<kj::byte>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

void fill_partition(wire::PartitionMetadata::Builder p) {
  p.setPartition(3);
  p.setLeader(1);
  p.setLeaderEpoch(5);
  auto replicas = p.initReplicas(3);
  for (unsigned i = 0; i < 3; ++i)
    replicas.set(i, static_cast<std::int32_t>(i + 1));
  p.initInSyncReplicas(2).set(1, 2);
  p.setLogStartOffset(10);
  p.setHighWatermark(90);
  p.setLogEndOffset(100);
}

void check_partition(wire::PartitionMetadata::Reader p) {
  CHECK(p.getPartition() == 3);
  CHECK(p.getErrorCode() == wire::ErrorCode::NONE);
  CHECK(p.getLeader() == 1);
  CHECK(p.getLeaderEpoch() == 5);
  REQUIRE(p.getReplicas().size() == 3);
  CHECK(p.getReplicas()[2] == 3);
  CHECK(p.getInSyncReplicas()[1] == 2);
  CHECK(p.getLogStartOffset() == 10);
  CHECK(p.getHighWatermark() == 90);
  CHECK(p.getLogEndOffset() == 100);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Requests

TEST_CASE("round trip: handshake request", "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto h = r.initHandshake();
    h.setProtocolVersion(wire::PROTOCOL_VERSION);
    h.setProtocolVersionMin(wire::PROTOCOL_VERSION_MIN);
    h.setClientId("cairn-cli");
    h.setFrameBytesMax(1 << 20);
  });
  REQUIRE(parsed.kind() == wire::Request::HANDSHAKE);
  auto h = parsed.root().getHandshake();
  CHECK(h.getProtocolVersion() == 1);
  CHECK(h.getProtocolVersionMin() == 1);
  CHECK(h.getClientId() == "cairn-cli");
  CHECK(h.getFrameBytesMax() == 1u << 20);
}

TEST_CASE("round trip: metadata request", "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto m = r.initMetadata();
    auto topics = m.initTopics(2);
    topics.set(0, "orders");
    topics.set(1, "payments");
  });
  REQUIRE(parsed.kind() == wire::Request::METADATA);
  auto m = parsed.root().getMetadata();
  CHECK_FALSE(m.getAllTopics());
  REQUIRE(m.getTopics().size() == 2);
  CHECK(m.getTopics()[1] == "payments");
}

TEST_CASE("round trip: createTopics request with Kafka's defaults", "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto c = r.initCreateTopics();
    c.setTimeoutMs(5000);
    c.setValidateOnly(true);
    auto topics = c.initTopics(2);
    topics[0].setName("orders");
    auto config = topics[0].initConfig();
    config.setPartitions(6);
    config.setReplicationFactor(3);
    config.setRetentionBytes(1 << 30);
    config.setRetentionMs(3600000);
    config.setCleanupPolicy(wire::CleanupPolicy::COMPACT);
    topics[1].setName("defaults");
    topics[1].initConfig();
  });
  REQUIRE(parsed.kind() == wire::Request::CREATE_TOPICS);
  auto c = parsed.root().getCreateTopics();
  CHECK(c.getTimeoutMs() == 5000);
  CHECK(c.getValidateOnly());
  auto config = c.getTopics()[0].getConfig();
  CHECK(c.getTopics()[0].getName() == "orders");
  CHECK(config.getPartitions() == 6);
  CHECK(config.getReplicationFactor() == 3);
  CHECK(config.getRetentionBytes() == 1 << 30);
  CHECK(config.getRetentionMs() == 3600000);
  CHECK(config.getCleanupPolicy() == wire::CleanupPolicy::COMPACT);
  auto defaults = c.getTopics()[1].getConfig();
  CHECK(defaults.getPartitions() == -1);
  CHECK(defaults.getReplicationFactor() == -1);
  CHECK(defaults.getRetentionBytes() == -1);
  CHECK(defaults.getRetentionMs() == 604800000);
  CHECK(defaults.getCleanupPolicy() == wire::CleanupPolicy::DELETE);
}

TEST_CASE("round trip: deleteTopics and listTopics and describeTopics requests",
          "[protocol][roundtrip]") {
  auto del = request_round_trip([](wire::Request::Builder r) {
    auto d = r.initDeleteTopics();
    d.initNames(1).set(0, "old");
    d.setTimeoutMs(100);
  });
  REQUIRE(del.kind() == wire::Request::DELETE_TOPICS);
  CHECK(del.root().getDeleteTopics().getNames()[0] == "old");
  CHECK(del.root().getDeleteTopics().getTimeoutMs() == 100);

  auto list = request_round_trip(
      [](wire::Request::Builder r) { r.initListTopics().setIncludeInternal(true); });
  REQUIRE(list.kind() == wire::Request::LIST_TOPICS);
  CHECK(list.root().getListTopics().getIncludeInternal());

  auto describe = request_round_trip(
      [](wire::Request::Builder r) { r.initDescribeTopics().initNames(1).set(0, "orders"); });
  REQUIRE(describe.kind() == wire::Request::DESCRIBE_TOPICS);
  CHECK(describe.root().getDescribeTopics().getNames()[0] == "orders");
}

TEST_CASE("round trip: produce request with batches byte for byte", "[protocol][roundtrip]") {
  const auto batch = batch_bytes(1000, 7);
  auto parsed = request_round_trip([&](wire::Request::Builder r) {
    auto p = r.initProduce();
    p.setTimeoutMs(30000);
    auto topic = p.initTopics(1)[0];
    topic.setName("orders");
    auto partition = topic.initPartitions(1)[0];
    partition.setPartition(2);
    partition.setRecords(batch);
  });
  REQUIRE(parsed.kind() == wire::Request::PRODUCE);
  auto p = parsed.root().getProduce();
  CHECK(p.getAcks() == wire::Acks::ALL);  // the default is the durable one
  CHECK(p.getTimeoutMs() == 30000);
  auto partition = p.getTopics()[0].getPartitions()[0];
  CHECK(partition.getPartition() == 2);
  CHECK(same(partition.getRecords(), batch));
}

TEST_CASE("round trip: fetch request", "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto f = r.initFetch();
    f.setMaxWaitMs(500);
    f.setMinBytes(1);
    f.setMaxBytes(50 << 20);
    auto topic = f.initTopics(1)[0];
    topic.setName("orders");
    auto partitions = topic.initPartitions(2);
    partitions[1].setPartition(1);
    partitions[1].setFetchOffset(12345);
    partitions[1].setPartitionMaxBytes(1 << 20);
  });
  REQUIRE(parsed.kind() == wire::Request::FETCH);
  auto f = parsed.root().getFetch();
  CHECK(f.getMaxWaitMs() == 500);
  CHECK(f.getMinBytes() == 1);
  CHECK(f.getMaxBytes() == 50 << 20);
  auto partition = f.getTopics()[0].getPartitions()[1];
  CHECK(partition.getPartition() == 1);
  CHECK(partition.getFetchOffset() == 12345);
  CHECK(partition.getPartitionMaxBytes() == 1 << 20);
}

TEST_CASE("round trip: listOffsets request with Kafka's sentinels", "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto partitions = r.initListOffsets().initTopics(1)[0].initPartitions(3);
    partitions[0].setTimestamp(wire::EARLIEST_TIMESTAMP);
    partitions[1].setPartition(1);
    partitions[1].setTimestamp(wire::LATEST_TIMESTAMP);
    partitions[2].setPartition(2);
    partitions[2].setTimestamp(1700000000000);
  });
  REQUIRE(parsed.kind() == wire::Request::LIST_OFFSETS);
  auto partitions = parsed.root().getListOffsets().getTopics()[0].getPartitions();
  CHECK(partitions[0].getTimestamp() == -2);
  CHECK(partitions[1].getTimestamp() == -1);
  CHECK(partitions[2].getTimestamp() == 1700000000000);
}

TEST_CASE("round trip: appendToStream request", "[protocol][roundtrip]") {
  const auto batch = batch_bytes(300, 1);
  const auto key = batch_bytes(8, 'k');
  for (std::int64_t expected : {wire::EXPECTED_VERSION_ANY, wire::EXPECTED_VERSION_NO_STREAM,
                                wire::EXPECTED_VERSION_EXISTS, std::int64_t{0}, std::int64_t{41}}) {
    auto parsed = request_round_trip([&](wire::Request::Builder r) {
      auto a = r.initAppendToStream();
      a.setTopic("payments");
      a.setKey(key);
      a.setExpectedVersion(expected);
      a.setRecords(batch);
      a.setAcks(wire::Acks::LEADER);
      a.setTimeoutMs(1000);
    });
    REQUIRE(parsed.kind() == wire::Request::APPEND_TO_STREAM);
    auto a = parsed.root().getAppendToStream();
    CHECK(a.getTopic() == "payments");
    CHECK(same(a.getKey(), key));
    CHECK(a.getExpectedVersion() == expected);
    CHECK(same(a.getRecords(), batch));
    CHECK(a.getAcks() == wire::Acks::LEADER);
    CHECK(a.getTimeoutMs() == 1000);
  }
  // A client that forgets the expected version sends the rejected sentinel, not "exactly 0".
  auto unset = request_round_trip([](wire::Request::Builder r) { r.initAppendToStream(); });
  CHECK(unset.root().getAppendToStream().getExpectedVersion() == wire::EXPECTED_VERSION_UNSET);
}

TEST_CASE("round trip: readStream request", "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto s = r.initReadStream();
    s.setTopic("payments");
    s.setKey(capnp::Data::Reader(reinterpret_cast<const kj::byte*>("p-1"), 3));
    s.setFromVersion(5);
    s.setMaxCount(100);
    s.setMaxBytes(1 << 16);
  });
  REQUIRE(parsed.kind() == wire::Request::READ_STREAM);
  auto s = parsed.root().getReadStream();
  CHECK(s.getTopic() == "payments");
  CHECK(s.getKey().size() == 3);
  CHECK(s.getFromVersion() == 5);
  CHECK(s.getMaxCount() == 100);
  CHECK(s.getMaxBytes() == 1 << 16);
}

TEST_CASE("round trip: join group with a static member and two assignors",
          "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto j = r.initJoinGroup();
    j.setGroupId("billing");
    j.setSessionTimeoutMs(10'000);
    j.setRebalanceTimeoutMs(60'000);
    j.setMemberId("");
    j.setGroupInstanceId("billing-1");
    j.setProtocolType("consumer");
    auto protocols = j.initProtocols(2);
    protocols[0].setName("cooperative-sticky");
    protocols[0].setMetadata(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>("ab"), 2));
    protocols[1].setName("range");
  });
  CHECK(parsed.kind() == wire::Request::JOIN_GROUP);
  CHECK(protocol::known_kind(parsed.kind()));
  auto j = parsed.root().getJoinGroup();
  CHECK(j.getGroupId() == "billing");
  CHECK(j.hasGroupInstanceId());
  CHECK(j.getProtocols().size() == 2);
  CHECK(j.getProtocols()[0].getMetadata().size() == 2);
  CHECK_FALSE(j.getProtocols()[1].hasMetadata());
}

TEST_CASE("round trip: an offset commit defaults to generation -1", "[protocol][roundtrip]") {
  auto parsed = request_round_trip([](wire::Request::Builder r) {
    auto c = r.initOffsetCommit();
    c.setGroupId("g");
    auto p = c.initTopics(1)[0].initPartitions(1)[0];
    p.setPartition(3);
    p.setOffset(42);
  });
  auto c = parsed.root().getOffsetCommit();
  CHECK(c.getGenerationId() == -1);
  CHECK(c.getTopics()[0].getPartitions()[0].getOffset() == 42);
  CHECK_FALSE(c.hasGroupInstanceId());
}

// ---------------------------------------------------------------------------------------------
// Responses

TEST_CASE("round trip: rejected response", "[protocol][roundtrip]") {
  auto parsed = response_round_trip([](wire::Response::Builder r) {
    r.setErrorCode(wire::ErrorCode::INVALID_REQUEST);
    r.setErrorMessage("bad pointer");
    r.setRejected();
  });
  CHECK(parsed.kind() == wire::Response::REJECTED);
  CHECK(parsed.root().getErrorCode() == wire::ErrorCode::INVALID_REQUEST);
  CHECK(parsed.root().getErrorMessage() == "bad pointer");
}

TEST_CASE("round trip: handshake response", "[protocol][roundtrip]") {
  auto parsed = response_round_trip([](wire::Response::Builder r) {
    auto h = r.initHandshake();
    h.setProtocolVersion(1);
    h.setNodeId(0);
    h.setClusterId("c-1");
    h.setBrokerVersion("cairn 0.1.0");
    h.setFrameBytesMax(protocol::frame_bytes_max_default);
  });
  REQUIRE(parsed.kind() == wire::Response::HANDSHAKE);
  auto h = parsed.root().getHandshake();
  CHECK(parsed.root().getErrorCode() == wire::ErrorCode::NONE);
  CHECK(h.getProtocolVersion() == 1);
  CHECK(h.getClusterId() == "c-1");
  CHECK(h.getBrokerVersion() == "cairn 0.1.0");
  CHECK(h.getFrameBytesMax() == protocol::frame_bytes_max_default);
}

TEST_CASE("round trip: metadata response", "[protocol][roundtrip]") {
  auto parsed = response_round_trip([](wire::Response::Builder r) {
    auto m = r.initMetadata();
    auto broker = m.initBrokers(1)[0];
    broker.setNodeId(1);
    broker.setHost("127.0.0.1");
    broker.setPort(7070);
    m.setControllerId(1);
    auto topics = m.initTopics(2);
    topics[0].setName("orders");
    fill_partition(topics[0].initPartitions(1)[0]);
    topics[1].setName("missing");
    topics[1].setErrorCode(wire::ErrorCode::UNKNOWN_TOPIC);
  });
  REQUIRE(parsed.kind() == wire::Response::METADATA);
  auto m = parsed.root().getMetadata();
  CHECK(m.getBrokers()[0].getHost() == "127.0.0.1");
  CHECK(m.getBrokers()[0].getPort() == 7070);
  CHECK(m.getControllerId() == 1);
  check_partition(m.getTopics()[0].getPartitions()[0]);
  CHECK(protocol::from_wire(m.getTopics()[1].getErrorCode()) == protocol::errc::unknown_topic);
}

TEST_CASE("round trip: topic admin responses", "[protocol][roundtrip]") {
  auto create = response_round_trip([](wire::Response::Builder r) {
    auto topics = r.initCreateTopics().initTopics(2);
    topics[0].setName("orders");
    topics[1].setName("orders");
    topics[1].setErrorCode(wire::ErrorCode::TOPIC_ALREADY_EXISTS);
    topics[1].setErrorMessage("exists");
  });
  REQUIRE(create.kind() == wire::Response::CREATE_TOPICS);
  CHECK(create.root().getCreateTopics().getTopics()[1].getErrorCode() ==
        wire::ErrorCode::TOPIC_ALREADY_EXISTS);

  auto del = response_round_trip(
      [](wire::Response::Builder r) { r.initDeleteTopics().initTopics(1)[0].setName("old"); });
  REQUIRE(del.kind() == wire::Response::DELETE_TOPICS);
  CHECK(del.root().getDeleteTopics().getTopics()[0].getName() == "old");

  auto list = response_round_trip([](wire::Response::Builder r) {
    auto t = r.initListTopics().initTopics(1)[0];
    t.setName("orders");
    t.setPartitions(6);
  });
  REQUIRE(list.kind() == wire::Response::LIST_TOPICS);
  CHECK(list.root().getListTopics().getTopics()[0].getPartitions() == 6);
  CHECK_FALSE(list.root().getListTopics().getTopics()[0].getInternal());

  auto describe = response_round_trip([](wire::Response::Builder r) {
    auto t = r.initDescribeTopics().initTopics(1)[0];
    t.setName("orders");
    auto config = t.initConfig();
    config.setPartitions(1);
    config.setReplicationFactor(1);
    config.setCleanupPolicy(wire::CleanupPolicy::COMPACT);
    fill_partition(t.initPartitions(1)[0]);
  });
  REQUIRE(describe.kind() == wire::Response::DESCRIBE_TOPICS);
  auto t = describe.root().getDescribeTopics().getTopics()[0];
  CHECK(t.getConfig().getPartitions() == 1);
  CHECK(t.getConfig().getCleanupPolicy() == wire::CleanupPolicy::COMPACT);
  check_partition(t.getPartitions()[0]);
}

TEST_CASE("round trip: produce response", "[protocol][roundtrip]") {
  auto parsed = response_round_trip([](wire::Response::Builder r) {
    auto topic = r.initProduce().initTopics(1)[0];
    topic.setName("orders");
    auto partitions = topic.initPartitions(2);
    partitions[0].setBaseOffset(1000);
    partitions[0].setLogAppendTimeMs(-1);
    partitions[0].setLogStartOffset(0);
    partitions[1].setPartition(1);
    partitions[1].setErrorCode(wire::ErrorCode::NOT_LEADER);
    partitions[1].setBaseOffset(-1);
  });
  REQUIRE(parsed.kind() == wire::Response::PRODUCE);
  auto partitions = parsed.root().getProduce().getTopics()[0].getPartitions();
  CHECK(partitions[0].getBaseOffset() == 1000);
  CHECK(partitions[0].getLogAppendTimeMs() == -1);
  CHECK(protocol::is_retriable(protocol::from_wire(partitions[1].getErrorCode())));
}

TEST_CASE("round trip: fetch response with concatenated batches byte for byte",
          "[protocol][roundtrip]") {
  const auto records = batch_bytes(70000, 3);  // larger than the writer's first segment
  auto parsed = response_round_trip([&](wire::Response::Builder r) {
    auto topic = r.initFetch().initTopics(1)[0];
    topic.setName("orders");
    auto partitions = topic.initPartitions(2);
    partitions[0].setHighWatermark(500);
    partitions[0].setLogStartOffset(100);
    partitions[0].setRecords(records);
    partitions[1].setPartition(1);
    partitions[1].setErrorCode(wire::ErrorCode::OFFSET_OUT_OF_RANGE);
  });
  REQUIRE(parsed.kind() == wire::Response::FETCH);
  auto partitions = parsed.root().getFetch().getTopics()[0].getPartitions();
  CHECK(partitions[0].getHighWatermark() == 500);
  CHECK(partitions[0].getLogStartOffset() == 100);
  CHECK(same(partitions[0].getRecords(), records));
  CHECK(partitions[1].getErrorCode() == wire::ErrorCode::OFFSET_OUT_OF_RANGE);
}

TEST_CASE("round trip: listOffsets response", "[protocol][roundtrip]") {
  auto parsed = response_round_trip([](wire::Response::Builder r) {
    auto p = r.initListOffsets().initTopics(1)[0].initPartitions(1)[0];
    p.setTimestamp(1700000000123);
    p.setOffset(42);
  });
  REQUIRE(parsed.kind() == wire::Response::LIST_OFFSETS);
  auto p = parsed.root().getListOffsets().getTopics()[0].getPartitions()[0];
  CHECK(p.getTimestamp() == 1700000000123);
  CHECK(p.getOffset() == 42);
}

TEST_CASE("round trip: appendToStream response for success and conflict", "[protocol][roundtrip]") {
  auto ok = response_round_trip([](wire::Response::Builder r) {
    auto a = r.initAppendToStream();
    a.setPartition(4);
    a.setFirstVersion(3);
    a.setLastVersion(5);
    a.setBaseOffset(9000);
  });
  REQUIRE(ok.kind() == wire::Response::APPEND_TO_STREAM);
  auto a = ok.root().getAppendToStream();
  CHECK(a.getPartition() == 4);
  CHECK(a.getFirstVersion() == 3);
  CHECK(a.getLastVersion() == 5);
  CHECK(a.getBaseOffset() == 9000);

  auto conflict = response_round_trip([](wire::Response::Builder r) {
    r.setErrorCode(wire::ErrorCode::WRONG_EXPECTED_VERSION);
    r.initAppendToStream().setActualVersion(-1);  // the stream does not exist
  });
  CHECK(protocol::from_wire(conflict.root().getErrorCode()) ==
        protocol::errc::wrong_expected_version);
  CHECK(conflict.root().getAppendToStream().getActualVersion() == -1);
}

TEST_CASE("round trip: readStream response", "[protocol][roundtrip]") {
  const auto records = batch_bytes(500, 9);
  auto parsed = response_round_trip([&](wire::Response::Builder r) {
    auto s = r.initReadStream();
    s.setPartition(2);
    s.setRecords(records);
    auto events = s.initEvents(3);
    for (unsigned i = 0; i < 3; ++i) {
      events[i].setVersion(i);
      events[i].setOffset(100 + 2 * i);
    }
    s.setLastVersion(7);
  });
  REQUIRE(parsed.kind() == wire::Response::READ_STREAM);
  auto s = parsed.root().getReadStream();
  CHECK(s.getPartition() == 2);
  CHECK(same(s.getRecords(), records));
  REQUIRE(s.getEvents().size() == 3);
  CHECK(s.getEvents()[2].getVersion() == 2);
  CHECK(s.getEvents()[2].getOffset() == 104);
  CHECK(s.getLastVersion() == 7);
}

TEST_CASE("every request kind has a response kind of the same name", "[protocol][roundtrip]") {
  std::set<std::string> requests, responses;
  for (auto f : capnp::Schema::from<wire::Request>().getUnionFields()) {
    requests.insert(f.getProto().getName());
  }
  for (auto f : capnp::Schema::from<wire::Response>().getUnionFields()) {
    responses.insert(f.getProto().getName());
  }
  requests.erase("unset");
  responses.erase("rejected");
  CHECK(requests == responses);
  // 11 + 10 consumer-group kinds + replicate, describeCluster, initProducerId,
  // allocateProducerIds, alterTopic
  CHECK(requests.size() == 26);
}
