// Producer ids and offsets over the Kafka protocol, with real clients against a real
// cairn-broker: librdkafka's idempotent producer gets broker-allocated ids (read back from the
// stored batches: different for two producers, and never again after a restart),
// rd_kafka_offsets_for_times, rd_kafka_query_watermark_offsets and rd_kafka_DeleteRecords moving
// the low watermark; kcat -Q offsets for times and kcat -o s@TS consuming from a time.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/kafka/kafka_fixture.h"
#include "tests/kafka/stored_batches.h"

namespace {

using cairn::testing::kafka_broker;

// Record timestamps the tests produce with: three batches one second apart.
constexpr std::int64_t kT0 = 1'700'000'000'000;

struct rdkafka_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rdkafka_ptr = std::unique_ptr<rd_kafka_t, rdkafka_deleter>;

void set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char err[256];
  INFO(name << "=" << value);
  REQUIRE(rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
}

// Delivery reports land here (rd_kafka_flush serves them): the count of failed records.
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<int*>(opaque);
}

struct producer {
  rdkafka_ptr rk;
  int failed = 0;
};

std::unique_ptr<producer> make_producer(const kafka_broker& b) {
  auto p = std::make_unique<producer>();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", b.kafka_address());
  set(conf, "enable.idempotence", "true");
  set(conf, "linger.ms", "0");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &p->failed);
  char err[512];
  p->rk.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
  INFO(err);
  REQUIRE(p->rk);
  return p;
}

// One record to partition 0 at `timestamp_ms`, delivered (acks=all, idempotent) before return.
void produce(producer& p, const std::string& topic, const std::string& value,
             std::int64_t timestamp_ms) {
  rd_kafka_resp_err_t err = rd_kafka_producev(
      p.rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_flush(p.rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(p.failed == 0);
}

// The producer id of every batch partition 0 of `topic` holds, in log order, read from the
// broker's segment files (what the broker stored, whatever any client reports).
std::vector<std::int64_t> stored_producer_ids(const kafka_broker& b, const std::string& topic) {
  auto stored = cairn::testing::read_stored_batches(b.dir.path(), topic);
  REQUIRE_FALSE(stored.torn_tail);
  std::vector<std::int64_t> ids;
  for (const auto& h : stored.headers)
    ids.push_back(h.producer_id);
  return ids;
}

// rd_kafka_offsets_for_times for partition 0: the offset for `timestamp_ms`.
std::int64_t offset_for_time(rd_kafka_t* rk, const std::string& topic, std::int64_t timestamp_ms) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = timestamp_ms;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list, 10'000);
  std::int64_t offset = list->elems[0].offset;
  rd_kafka_resp_err_t partition_err = list->elems[0].err;
  rd_kafka_topic_partition_list_destroy(list);
  REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(partition_err == RD_KAFKA_RESP_ERR_NO_ERROR);
  return offset;
}

std::pair<std::int64_t, std::int64_t> watermarks(rd_kafka_t* rk, const std::string& topic) {
  std::int64_t low = -1;
  std::int64_t high = -1;
  REQUIRE(rd_kafka_query_watermark_offsets(rk, topic.c_str(), 0, &low, &high, 10'000) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  return {low, high};
}

// rd_kafka_DeleteRecords of partition 0 below `offset`: the low watermark it answers.
std::int64_t delete_records(rd_kafka_t* rk, const std::string& topic, std::int64_t offset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = offset;
  rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(list);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_DeleteRecords(rk, &del, 1, nullptr, queue);
  rd_kafka_DeleteRecords_destroy(del);
  // The admin result is the one event on this queue; the wait is bounded.
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30'000);
  REQUIRE(ev != nullptr);
  INFO(rd_kafka_event_error_string(ev));
  REQUIRE(rd_kafka_event_type(ev) == RD_KAFKA_EVENT_DELETERECORDS_RESULT);
  REQUIRE(rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR_NO_ERROR);
  const rd_kafka_topic_partition_list_t* offsets =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
  REQUIRE(offsets->cnt == 1);
  rd_kafka_resp_err_t partition_err = offsets->elems[0].err;
  std::int64_t low = offsets->elems[0].offset;
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  REQUIRE(partition_err == RD_KAFKA_RESP_ERR_NO_ERROR);
  return low;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("librdkafka idempotent producers get broker-allocated ids, never reused after a restart",
          "[kafka][producer]") {
  kafka_broker b;
  b.create_topic("ids", 1);
  std::int64_t first = -1;
  std::int64_t second = -1;
  {
    auto p1 = make_producer(b);
    auto p2 = make_producer(b);
    produce(*p1, "ids", "from p1", kT0);
    produce(*p2, "ids", "from p2", kT0);
    auto ids = stored_producer_ids(b, "ids");
    REQUIRE(ids.size() == 2);
    first = ids[0];
    second = ids[1];
  }
  CHECK(first != second);
  // Allocated by the broker from its first block, not picked at random by the client.
  CHECK(first >= 0);
  CHECK(first < 1000);
  CHECK(second >= 0);
  CHECK(second < 1000);

  REQUIRE(b.broker.stop() == 0);
  b.broker.start();
  auto p3 = make_producer(b);
  produce(*p3, "ids", "from p3", kT0);
  auto ids = stored_producer_ids(b, "ids");
  REQUIRE(ids.size() == 3);
  // The restarted broker skips the rest of the block it was using.
  CHECK(ids[2] >= 1000);
}

TEST_CASE("librdkafka offsets for times, watermarks and DeleteRecords", "[kafka][offsets]") {
  kafka_broker b;
  b.create_topic("times", 1);
  auto p = make_producer(b);
  for (int i = 0; i < 3; ++i)
    produce(*p, "times", "r" + std::to_string(i), kT0 + 1000 * i);
  rd_kafka_t* rk = p->rk.get();

  CHECK(offset_for_time(rk, "times", kT0) == 0);
  CHECK(offset_for_time(rk, "times", kT0 + 1) == 1);
  CHECK(offset_for_time(rk, "times", kT0 + 2000) == 2);
  CHECK(offset_for_time(rk, "times", kT0 + 5000) == -1);  // no record that late: end (-1)
  CHECK(watermarks(rk, "times") == std::pair<std::int64_t, std::int64_t>{0, 3});

  CHECK(delete_records(rk, "times", 2) == 2);
  CHECK(watermarks(rk, "times") == std::pair<std::int64_t, std::int64_t>{2, 3});
  // A time before the new start answers the first record that is left.
  CHECK(offset_for_time(rk, "times", kT0) == 2);
  // -1 deletes up to the high watermark.
  CHECK(delete_records(rk, "times", RD_KAFKA_OFFSET_END) == 3);
  CHECK(watermarks(rk, "times") == std::pair<std::int64_t, std::int64_t>{3, 3});
}

TEST_CASE("kcat -Q answers offsets for times and -o s@TS consumes from a time",
          "[kafka][offsets]") {
  kafka_broker b;
  b.create_topic("kq", 1);
  auto p = make_producer(b);
  for (int i = 0; i < 3; ++i)
    produce(*p, "kq", "v" + std::to_string(i), kT0 + 1000 * i);

  auto q = b.kcat({"-Q", "-t", "kq:0:" + std::to_string(kT0 + 500)});
  INFO(q.err);
  REQUIRE(q.exit_code == 0);
  CHECK(q.out.find("kq [0] offset 1") != std::string::npos);

  auto c = b.kcat({"-C", "-t", "kq", "-p", "0", "-o", "s@" + std::to_string(kT0 + 1000), "-e", "-q",
                   "-f", "%o %s\n"});
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  CHECK(lines_of(c.out) == std::vector<std::string>{"1 v1", "2 v2"});
}
