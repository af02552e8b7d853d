// Offsets through librdkafka against a real cairn-broker: rd_kafka_query_watermark_offsets per
// partition (low 0, high = records produced), and rd_kafka_offsets_for_times over several
// partitions at once (before the first record, between records, exactly on one, after the last).
#include <catch2/catch.hpp>
#include <string>

#include "tests/kafka/kafka_fixture.h"
#include "tests/kafka/rdkafka_support.h"

namespace {

using namespace cairn::testing;

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr int kTimeoutMs = 10'000;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<int*>(opaque);
}

}  // namespace

TEST_CASE("librdkafka's watermarks and offsets for times") {
  kafka_broker b;
  const std::string topic = "offsets";
  b.create_topic(topic, 2);

  // Partition p gets 5 * (p + 1) records, record i stamped kT0 + 1000 * i.
  int failed = 0;
  auto rk =
      rdkafka_client(RD_KAFKA_PRODUCER, b.kafka_address(),
                     {{"enable.idempotence", "true"}, {"linger.ms", "0"}}, on_delivery, &failed);
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 5 * (p + 1); ++i) {
      std::string value = "v" + std::to_string(i);
      REQUIRE(rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
                                RD_KAFKA_V_VALUE(value.data(), value.size()),
                                RD_KAFKA_V_TIMESTAMP(kT0 + 1000 * i),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }
  REQUIRE(rd_kafka_flush(rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(failed == 0);

  for (int p = 0; p < 2; ++p) {
    INFO("partition " << p);
    std::int64_t low = -1, high = -1;
    REQUIRE(rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high, kTimeoutMs) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(low == 0);
    CHECK(high == 5 * (p + 1));
  }

  // Two ListOffsets, each asking both partitions (a partition appears once per request: the
  // client files answers by partition).
  struct question {
    std::int64_t timestamp_ms;
    std::int64_t expected_offset;
  };
  const question rounds[2][2] = {
      // partition 0: before everything, the first record; partition 1: exactly on record 7.
      {{kT0 - 60'000, 0}, {kT0 + 7000, 7}},
      // partition 0: between records 2 and 3, the first at or after; partition 1: after the
      // last, no record (librdkafka's "end", -1).
      {{kT0 + 2500, 3}, {kT0 + 60'000, -1}},
  };
  for (const auto& round : rounds) {
    rdkafka_list_ptr list(rd_kafka_topic_partition_list_new(2));
    for (int p = 0; p < 2; ++p)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
          round[p].timestamp_ms;
    REQUIRE(rd_kafka_offsets_for_times(rk.get(), list.get(), kTimeoutMs) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(list->cnt == 2);
    for (int i = 0; i < 2; ++i) {
      const int p = list->elems[i].partition;
      INFO("partition " << p << " time " << round[p].timestamp_ms);
      CHECK(list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR);
      CHECK(list->elems[i].offset == round[p].expected_offset);
    }
  }
}
