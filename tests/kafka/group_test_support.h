// What the Kafka consumer-group tests share (kafka_group_test, kafka_mixed_group_test): records
// produced round-robin through the SDK, the ledger of what the members read and committed, a
// librdkafka group member that commits each record before the next poll, and the checks on how
// the partitions are split.
#pragma once

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cairn/client.h"
#include "cairn/producer.h"

namespace cairn::testing {

// (partition, offset) -> value.
using record_map = std::map<std::pair<int, std::int64_t>, std::string>;

// `count` records round-robin over `partitions` partitions through the SDK producer; record i has
// key "k<i>" and value "<prefix>-<i>".
inline record_map produce_round_robin(cairn::client& c, const std::string& topic, int count,
                                      const std::string& prefix, int partitions) {
  auto p = cairn::producer::create(c);
  REQUIRE(p);
  std::vector<std::pair<std::string, std::future<cairn::delivery_result>>> sent;
  for (int i = 0; i < count; ++i) {
    std::string value = prefix + "-" + std::to_string(i);
    sent.emplace_back(value, p.value()->send({.topic = topic,
                                              .key = "k" + std::to_string(i),
                                              .value = value,
                                              .partition = i % partitions}));
  }
  record_map out;
  for (auto& [value, f] : sent) {
    auto delivered = f.get();
    REQUIRE(delivered);
    out[{delivered.value().tp.partition, delivered.value().offset}] = value;
  }
  return out;
}

// The end offset of each partition among `produced`.
inline std::map<int, std::int64_t> partition_ends(const record_map& produced) {
  std::map<int, std::int64_t> out;
  for (const auto& [where, value] : produced)
    out[where.first] = std::max(out[where.first], where.second + 1);
  return out;
}

struct delivered_record {
  std::string member;
  int partition;
  std::int64_t offset;
  std::string value;
};

// What every member read, and how far the group's commits had got when it did: a record read
// below a partition's committed offset is a re-read the group should not have caused.
struct group_ledger {
  std::vector<delivered_record> records;
  std::map<int, std::int64_t> committed_upto;  // partition -> next offset committed
  std::vector<std::string> rereads_of_committed;

  void add(const delivered_record& d) {
    if (auto it = committed_upto.find(d.partition);
        it != committed_upto.end() && d.offset < it->second) {
      rereads_of_committed.push_back(d.member + " re-read partition " +
                                     std::to_string(d.partition) + " offset " +
                                     std::to_string(d.offset));
    }
    records.push_back(d);
  }
  void committed(int partition, std::int64_t next) {
    auto& upto = committed_upto[partition];
    upto = std::max(upto, next);
  }
  bool covers(const record_map& produced) const {
    std::set<std::pair<int, std::int64_t>> seen;
    for (const auto& r : records)
      seen.insert({r.partition, r.offset});
    return std::all_of(produced.begin(), produced.end(),
                       [&](const auto& e) { return seen.contains(e.first); });
  }
};

inline std::set<int> partitions_upto(int count) {
  std::set<int> out;
  for (int p = 0; p < count; ++p)
    out.insert(p);
  return out;
}

// Two members own partitions, disjointly, and together all `count` of them.
inline bool split_between(const std::set<int>& a, const std::set<int>& b, int count) {
  if (a.empty() || b.empty()) return false;
  std::set<int> both = a;
  both.insert(b.begin(), b.end());
  return both == partitions_upto(count) && both.size() == a.size() + b.size();
}

// Polls every member in turn (librdkafka and the SDK hand records and rebalances over in poll, so
// one thread sees a consistent view) until `done` holds or `timeout` passes; returns `done`.
template <class Member>
bool pump(std::initializer_list<Member*> members, group_ledger& log,
          const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    for (Member* m : members)
      m->poll(50, log);
  }
  return true;
}

// One librdkafka consumer-group member, subscribed to one topic. Each record it reads is
// committed synchronously (OffsetCommit) before the next poll, as an application that processes
// one record at a time would.
class rdkafka_group_member {
 public:
  rdkafka_group_member(const std::string& bootstrap, const std::string& group,
                       const std::string& strategy, std::string name, const std::string& topic)
      : name_(std::move(name)) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const char* k, const std::string& v) {
      char err[512] = {};
      bool ok = rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK;
      INFO(k << "=" << v << ": " << err);
      REQUIRE(ok);
    };
    set("bootstrap.servers", bootstrap);
    set("group.id", group);
    set("client.id", name_);
    set("partition.assignment.strategy", strategy);
    set("enable.auto.commit", "false");
    set("auto.offset.reset", "earliest");
    // The broker's minimum session: a member that dies goes quickly.
    set("session.timeout.ms", "6000");
    set("heartbeat.interval.ms", "500");
    set("topic.metadata.refresh.interval.ms", "1000");
    // librdkafka's own account of the group protocol, on stderr, when a run needs explaining.
    if (const char* debug = std::getenv("CAIRN_TEST_RDKAFKA_DEBUG")) set("debug", debug);
    char err[512] = {};
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    INFO(err);
    REQUIRE(rk_ != nullptr);
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  rdkafka_group_member(const rdkafka_group_member&) = delete;
  rdkafka_group_member& operator=(const rdkafka_group_member&) = delete;
  ~rdkafka_group_member() {
    close();
    rd_kafka_destroy(rk_);
  }

  const std::string& name() const { return name_; }
  rd_kafka_t* handle() { return rk_; }

  std::string member_id() {
    char* id = rd_kafka_memberid(rk_);
    if (id == nullptr) return {};
    std::string out = id;
    rd_kafka_mem_free(rk_, id);
    return out;
  }

  // One poll of up to timeout_ms; a record read goes into `log`, and its commit too when it
  // succeeded (it may fail with REBALANCE_IN_PROGRESS between generations; the record's next
  // owner then reads it again, as with Kafka).
  void poll(int timeout_ms, group_ledger& log) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
    if (m == nullptr) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      log.add({name_, m->partition, m->offset,
               std::string(static_cast<const char*>(m->payload), m->len)});
      rd_kafka_resp_err_t c = rd_kafka_commit_message(rk_, m, 0);  // offset + 1, synchronously
      if (c == RD_KAFKA_RESP_ERR_NO_ERROR) {
        log.committed(m->partition, m->offset + 1);
      } else {
        errors.push_back(std::string("commit: ") + rd_kafka_err2str(c));
      }
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      errors.push_back(rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }

  std::set<int> assignment() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    std::set<int> out;
    if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    for (int i = 0; i < list->cnt; ++i)
      out.insert(list->elems[i].partition);
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  // librdkafka before 2.4 (#4686): a cooperative incremental assignment restarts fetching of the
  // partitions the member keeps from where each was last started or resumed, not from the
  // consumer's position, so a member that gains partitions re-reads what it already read (and
  // committed) of the others. Pausing sets that restart point to the consumer's position; the
  // resume then carries on from it. Called before the member takes partitions over, it keeps the
  // client's bug out of what the tests check: that moved partitions continue from the group's
  // committed offsets.
  void mark_positions() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    REQUIRE(rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(rd_kafka_pause_partitions(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(rd_kafka_resume_partitions(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
  }

  // Leaves the group (LeaveGroup) after revoking its partitions.
  void close() {
    if (closed_) return;
    closed_ = true;
    rd_kafka_consumer_close(rk_);
  }

  // The group's committed offset of each of partitions 0..partitions-1 that has one, as
  // librdkafka reads them (the Kafka OffsetFetch).
  std::map<int, std::int64_t> committed(const std::string& topic, int partitions) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p)
      rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    std::map<int, std::int64_t> out;
    rd_kafka_resp_err_t e = rd_kafka_committed(rk_, list, 10'000);
    for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
      if (list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[i].offset >= 0) {
        out[list->elems[i].partition] = list->elems[i].offset;
      }
    }
    rd_kafka_topic_partition_list_destroy(list);
    REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
    return out;
  }

  std::vector<std::string> errors;

 private:
  std::string name_;
  rd_kafka_t* rk_ = nullptr;
  bool closed_ = false;
};

}  // namespace cairn::testing
