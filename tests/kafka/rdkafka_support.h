// What the librdkafka tests share: owning handles for librdkafka's C objects, configuration that
// fails the test when librdkafka refuses a setting, and a librdkafka consumer that reads a topic's
// partitions from the beginning without joining a group.
#pragma once

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace cairn::testing {

struct rdkafka_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
using rdkafka_ptr = std::unique_ptr<rd_kafka_t, rdkafka_deleter>;
using rdkafka_queue_ptr = std::unique_ptr<rd_kafka_queue_t, rdkafka_deleter>;
using rdkafka_event_ptr = std::unique_ptr<rd_kafka_event_t, rdkafka_deleter>;
using rdkafka_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, rdkafka_deleter>;
using rdkafka_options_ptr = std::unique_ptr<rd_kafka_AdminOptions_t, rdkafka_deleter>;
using rdkafka_metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, rdkafka_deleter>;

inline void rdkafka_set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char err[256];
  INFO(name << "=" << value);
  REQUIRE(rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
}

// A client of `type` whose configuration is `bootstrap.servers` plus `settings` (name, value).
inline rdkafka_ptr rdkafka_client(rd_kafka_type_t type, const std::string& bootstrap,
                                  const std::vector<std::pair<std::string, std::string>>& settings,
                                  void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*,
                                                      void*) = nullptr,
                                  void* opaque = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rdkafka_set(conf, "bootstrap.servers", bootstrap);
  for (const auto& [name, value] : settings)
    rdkafka_set(conf, name.c_str(), value);
  // librdkafka's own log of a failing run, e.g. CAIRN_TEST_RDKAFKA_DEBUG=admin,broker,metadata.
  if (const char* debug = std::getenv("CAIRN_TEST_RDKAFKA_DEBUG"))
    rdkafka_set(conf, "debug", debug);
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(conf, opaque);
  char err[512];
  rdkafka_ptr rk(rd_kafka_new(type, conf, err, sizeof err));
  INFO(err);
  REQUIRE(rk);
  return rk;
}

// A librdkafka admin client: requests with a 15 s timeout, sent to any broker or to one chosen
// broker (AdminOptions_set_broker), and their results read from its own queue.
struct rdkafka_admin {
  static constexpr int kRequestTimeoutMs = 15'000;

  explicit rdkafka_admin(const std::string& bootstrap)
      : rk(rdkafka_client(RD_KAFKA_PRODUCER, bootstrap, {})), queue(rd_kafka_queue_new(rk.get())) {}

  // `broker` -1: whichever broker librdkafka picks.
  rdkafka_options_ptr options(int broker = -1) const {
    rdkafka_options_ptr o(rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_ANY));
    char err[256];
    REQUIRE(rd_kafka_AdminOptions_set_request_timeout(o.get(), kRequestTimeoutMs, err,
                                                      sizeof err) == RD_KAFKA_RESP_ERR_NO_ERROR);
    if (broker >= 0) {
      REQUIRE(rd_kafka_AdminOptions_set_broker(o.get(), broker, err, sizeof err) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    return o;
  }

  // The next event on the admin queue: the result of the one call in flight.
  rdkafka_event_ptr result(rd_kafka_event_type_t expected) const {
    rdkafka_event_ptr e(rd_kafka_queue_poll(queue.get(), kRequestTimeoutMs + 5'000));
    REQUIRE(e);
    REQUIRE(rd_kafka_event_type(e.get()) == expected);
    INFO(rd_kafka_event_error_string(e.get()));
    REQUIRE(rd_kafka_event_error(e.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
    return e;
  }

  rdkafka_ptr rk;
  rdkafka_queue_ptr queue;
};

struct consumed_record {
  std::int32_t partition;
  std::int64_t offset;
  std::string key;
  std::string value;
  std::int64_t timestamp_ms;
  rd_kafka_timestamp_type_t timestamp_type;
};

// Reads partitions 0..partitions-1 of `topic` from the beginning with a librdkafka consumer
// (assigned, no group) until `count` records came or `timeout` passed.
inline std::vector<consumed_record> rdkafka_consume(const std::string& bootstrap,
                                                    const std::string& topic, int partitions,
                                                    std::size_t count,
                                                    std::chrono::milliseconds timeout) {
  auto rk = rdkafka_client(RD_KAFKA_CONSUMER, bootstrap,
                           {{"group.id", "rdkafka-consume-" + topic},
                            {"enable.auto.commit", "false"},
                            {"enable.partition.eof", "false"}});
  rdkafka_list_ptr list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::vector<consumed_record> records;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
      const std::int64_t timestamp_ms = rd_kafka_message_timestamp(m, &type);
      records.push_back({m->partition, m->offset,
                         m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "",
                         std::string(static_cast<const char*>(m->payload), m->len), timestamp_ms,
                         type});
    } else {
      UNSCOPED_INFO("consumer error: " << rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk.get());
  return records;
}

}  // namespace cairn::testing
