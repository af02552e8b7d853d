// DeleteRecords in a three-broker cluster, with librdkafka's rd_kafka_DeleteRecords: the leader
// moves the log start (inside a batch too) and answers the low watermark once its live
// followers have followed; fetches below the start are out of range and ListOffsets' earliest
// is the new start; an offset past the high watermark is refused; no time to wait answers
// REQUEST_TIMED_OUT with the low watermark so far; a follower killed meanwhile,
// restarted later, ends up with the moved start; after the leader's SIGKILL the new leader has
// it too; -1 deletes up to the high watermark.
#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cairn/admin.h"
#include "tests/cluster/test_cluster.h"
#include "tests/kafka/rdkafka_support.h"

using cairn::testing::rdkafka_client;
using cairn::testing::test_cluster;

namespace {

const std::string kTopic = "ledger";

// The partition's leader and in-sync set as DescribeCluster reports them.
struct partition_state {
  int leader = -1;
  std::vector<std::int32_t> isr;
};

partition_state state_of(const cairn::cluster_description& d) {
  for (const auto& t : d.topics) {
    if (t.name != kTopic) continue;
    for (const auto& p : t.partitions) {
      if (p.partition == 0) return {p.leader, p.in_sync_replicas};
    }
  }
  return {};
}

// Waits until the partition has a leader other than `not_this` and `count` replicas in sync.
int wait_for_leader(test_cluster& cluster, cairn::client& c, int not_this, std::size_t count) {
  int leader = -1;
  cluster.wait_for(
      c,
      [&](const cairn::cluster_description& d) {
        partition_state s = state_of(d);
        leader = s.leader;
        return s.leader > 0 && s.leader != not_this && s.isr.size() >= count;
      },
      std::chrono::seconds(30));
  return leader;
}

// `count` records produced as one batch (linger lets them gather), acknowledged by all replicas.
void produce_batch(const std::string& bootstrap, int first, int count) {
  auto rk = rdkafka_client(RD_KAFKA_PRODUCER, bootstrap,
                           {{"acks", "all"}, {"linger.ms", "100"}, {"enable.idempotence", "true"}});
  for (int i = first; i < first + count; ++i) {
    const std::string value = "entry-" + std::to_string(i);
    REQUIRE(rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(kTopic.c_str()), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  REQUIRE(rd_kafka_flush(rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_outq_len(rk.get()) == 0);
}

struct deleted {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::int64_t low_watermark = -1;
};

// rd_kafka_DeleteRecords of partition 0 below `offset`, the broker waiting at most
// `wait_ms` for the replicas: the partition's error and low watermark.
deleted delete_records_once(const std::string& bootstrap, std::int64_t offset, int wait_ms) {
  auto rk = rdkafka_client(RD_KAFKA_PRODUCER, bootstrap, {});
  cairn::testing::rdkafka_list_ptr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), kTopic.c_str(), 0)->offset = offset;
  rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(list.get());
  cairn::testing::rdkafka_options_ptr options(
      rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_DELETERECORDS));
  char err[512];
  REQUIRE(rd_kafka_AdminOptions_set_operation_timeout(options.get(), wait_ms, err, sizeof err) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  // librdkafka's own bound on the whole call (leader lookup included; its default is 60 s),
  // below the poll's below: a call that cannot finish ends in RD_KAFKA_RESP_ERR__TIMED_OUT,
  // which delete_records() asks again, instead of an event that never comes in time.
  REQUIRE(rd_kafka_AdminOptions_set_request_timeout(options.get(), wait_ms + 15'000, err,
                                                    sizeof err) == RD_KAFKA_RESP_ERR_NO_ERROR);
  cairn::testing::rdkafka_queue_ptr queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_DeleteRecords(rk.get(), &del, 1, options.get(), queue.get());
  rd_kafka_DeleteRecords_destroy(del);
  // The admin result is the one event on this queue; the wait is bounded.
  cairn::testing::rdkafka_event_ptr ev(rd_kafka_queue_poll(queue.get(), wait_ms + 30'000));
  REQUIRE(ev != nullptr);
  REQUIRE(rd_kafka_event_type(ev.get()) == RD_KAFKA_EVENT_DELETERECORDS_RESULT);
  // A request-level error: librdkafka found no leader in its metadata (an election).
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    UNSCOPED_INFO("DeleteRecords: " << rd_kafka_event_error_string(ev.get()));
    return {rd_kafka_event_error(ev.get()), -1};
  }
  const rd_kafka_topic_partition_list_t* offsets =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev.get()));
  REQUIRE(offsets->cnt == 1);
  return {offsets->elems[0].err, offsets->elems[0].offset};
}

// The same, asked again while leadership moves (NOT_LEADER_OR_FOLLOWER is retriable, and
// librdkafka finds no leader during an election) or when librdkafka's call timed out as a
// whole (DeleteRecords is idempotent: asking again moves nothing further): after a restart the
// preferred replica takes its leadership back.
deleted delete_records(const std::string& bootstrap, std::int64_t offset, int wait_ms = 10'000) {
  deleted out;
  for (int attempt = 0; attempt < 20; ++attempt) {
    out = delete_records_once(bootstrap, offset, wait_ms);
    if (out.err != RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION &&
        out.err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE && out.err != RD_KAFKA_RESP_ERR__NOENT &&
        out.err != RD_KAFKA_RESP_ERR__TIMED_OUT) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a client's retry backoff
  }
  return out;
}

// ListOffsets earliest and latest, which librdkafka sends to the leader.
std::pair<std::int64_t, std::int64_t> watermarks(const std::string& bootstrap) {
  auto rk = rdkafka_client(RD_KAFKA_CONSUMER, bootstrap, {{"group.id", "watermarks"}});
  std::int64_t low = -1;
  std::int64_t high = -1;
  REQUIRE(rd_kafka_query_watermark_offsets(rk.get(), kTopic.c_str(), 0, &low, &high, 10'000) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  return {low, high};
}

// What a consumer assigned at `offset` (no reset allowed) gets: the records it reads until
// the one whose value is `last`, or the error it is given first.
struct consumed {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::vector<std::int64_t> offsets;
  std::vector<std::string> values;
};

consumed consume_from(const std::string& bootstrap, std::int64_t offset, const std::string& last) {
  auto rk = rdkafka_client(RD_KAFKA_CONSUMER, bootstrap,
                           {{"group.id", "delete-records-check"},
                            {"enable.auto.commit", "false"},
                            {"auto.offset.reset", "error"}});
  cairn::testing::rdkafka_list_ptr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), kTopic.c_str(), 0)->offset = offset;
  REQUIRE(rd_kafka_assign(rk.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  consumed out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (m == nullptr) continue;
    const rd_kafka_resp_err_t err = m->err;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.offsets.push_back(m->offset);
      out.values.emplace_back(static_cast<const char*>(m->payload), m->len);
    } else {
      UNSCOPED_INFO("consumer error: " << rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      out.err = err;
      break;
    }
    if (!out.values.empty() && out.values.back() == last) break;
  }
  rd_kafka_consumer_close(rk.get());
  return out;
}

// The log start a broker recorded on disk for the partition (partition_log::advance_start's
// file), 0 when it has none.
std::int64_t recorded_log_start(test_cluster& cluster, int broker) {
  const auto path = std::filesystem::path(cluster.data_dir(broker)) / "topics" / kTopic / "0" /
                    "log-start-offset";
  std::ifstream in(path);
  if (!in) return 0;
  int version = 0;
  std::int64_t start = 0;
  in >> version >> start;
  return start;
}

// Polls `done` for at most 30 s. A broker's log start has no event a test process can wait on
// (and the in-sync set DescribeCluster shows may be a gossip old), so this is a bounded poll.
template <class Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace

TEST_CASE("DeleteRecords on a replicated partition moves every replica's log start", "[cluster]") {
  test_cluster cluster(3);
  auto client = cluster.connect();
  REQUIRE(cluster.wait_for(*client, [](const cairn::cluster_description& d) {
    return cairn::testing::all_alive(d, 3);
  }));
  cairn::admin admin(*client);
  // The controller may still move just after its election (a broker that campaigned later):
  // not_controller is retriable, and the SDK's own retries are bounded.
  auto created = admin.create_topic(kTopic, {.partitions = 1, .replication_factor = 3});
  for (int attempt = 0;
       !created && created.error() == cairn::protocol::errc::not_controller && attempt < 10;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    created = admin.create_topic(kTopic, {.partitions = 1, .replication_factor = 3});
  }
  if (!created) FAIL("create_topic: " << created.error().message());
  const std::string bootstrap = cluster.kafka_bootstrap();
  const int leader = wait_for_leader(cluster, *client, -1, 3);
  REQUIRE(leader > 0);
  for (int batch = 0; batch < 3; ++batch)
    produce_batch(bootstrap, batch * 10, 10);  // entry-0..9, entry-10..19, entry-20..29
  // Each leader's term starts with a no-op control batch, which takes an offset: the records'
  // offsets are read back rather than assumed.
  consumed all = consume_from(bootstrap, RD_KAFKA_OFFSET_BEGINNING, "entry-29");
  REQUIRE(all.values.size() == 30);
  auto offset_of = [&](int i) { return all.offsets.at(static_cast<std::size_t>(i)); };
  REQUIRE(all.values.at(15) == "entry-15");
  REQUIRE(offset_of(15) > offset_of(10));  // produced as one batch with entry-10..19
  const std::int64_t high = watermarks(bootstrap).second;
  CHECK(high == offset_of(29) + 1);

  // Inside the second batch: the answer waits for both followers.
  deleted first = delete_records(bootstrap, offset_of(15));
  CHECK(first.err == RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(first.low_watermark == offset_of(15));
  CHECK(watermarks(bootstrap).first == offset_of(15));
  consumed below = consume_from(bootstrap, offset_of(5), "entry-29");
  CHECK(below.values.empty());
  CHECK((below.err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
         below.err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE));
  consumed from_start = consume_from(bootstrap, RD_KAFKA_OFFSET_BEGINNING, "entry-29");
  REQUIRE_FALSE(from_start.values.empty());
  CHECK(from_start.values.front() == "entry-15");
  CHECK(from_start.offsets.front() == offset_of(15));
  CHECK(from_start.values.size() == 15);

  // Past the high watermark: refused, nothing moved.
  CHECK(delete_records(bootstrap, high + 1).err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE);
  CHECK(watermarks(bootstrap).first == offset_of(15));

  // No time to wait for the followers: the leader has moved its start, and answers
  // REQUEST_TIMED_OUT with the low watermark so far (the followers' start, which they move at
  // the leader's next append request, a heartbeat away).
  deleted hurried = delete_records(bootstrap, offset_of(18), /*wait_ms=*/0);
  CHECK(hurried.err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  CHECK(hurried.low_watermark == offset_of(15));
  CHECK(watermarks(bootstrap).first == offset_of(18));

  // A follower killed: the low watermark counts the live replicas only.
  const int follower = leader == 1 ? 2 : 1;
  cluster.kill(follower);
  deleted second = delete_records(bootstrap, offset_of(22));
  CHECK(second.err == RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(second.low_watermark == offset_of(22));
  CHECK(recorded_log_start(cluster, follower) < offset_of(22));  // it was down

  // Restarted, it follows the leader's start once it has caught up, and the low watermark
  // counts it again.
  cluster.restart(follower);
  CHECK(eventually([&] { return recorded_log_start(cluster, follower) == offset_of(22); }));
  deleted again = delete_records(bootstrap, offset_of(22));
  CHECK(again.err == RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(again.low_watermark == offset_of(22));

  // The leader's SIGKILL: the new leader (either follower) has the moved start too.
  cluster.kill(leader);
  const int next = wait_for_leader(cluster, *client, leader, 2);
  REQUIRE(next > 0);
  CHECK(watermarks(bootstrap).first == offset_of(22));
  consumed stale = consume_from(bootstrap, offset_of(20), "entry-29");
  CHECK(stale.values.empty());
  CHECK((stale.err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
         stale.err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE));
  consumed after = consume_from(bootstrap, RD_KAFKA_OFFSET_BEGINNING, "entry-29");
  REQUIRE_FALSE(after.values.empty());
  CHECK(after.values.front() == "entry-22");
  CHECK(after.values.size() == 8);

  // -1: everything below the high watermark, answered with the live replicas' start.
  produce_batch(bootstrap, 30, 5);
  deleted everything = delete_records(bootstrap, -1);
  CHECK(everything.err == RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto [low, end] = watermarks(bootstrap);
  CHECK(everything.low_watermark == end);
  CHECK(low == end);

  // The old leader, restarted, follows the new one.
  cluster.restart(leader);
  CHECK(eventually([&] { return recorded_log_start(cluster, leader) == end; }));
  CHECK(delete_records(bootstrap, end).low_watermark == end);
}
