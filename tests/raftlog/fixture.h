// Test helpers for the Raft log on a partition: a replicated partition and its adapter in a
// directory, replicators (straight into the adapter, or through a raft::node), batch builders.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "broker/partition/partition.h"
#include "broker/raft/node.h"
#include "broker/raftlog/partition_raft_log.h"
#include "eventstore/record/record_batch.h"
#include "eventstore/stream/stream_index.h"

namespace cairn::testing {

inline raft::configuration config_of(std::vector<int> voters, std::vector<int> learners = {}) {
  raft::configuration c;
  for (int id : voters)
    c.voters.push_back(raft::node_id{id});
  for (int id : learners)
    c.learners.push_back(raft::node_id{id});
  return c;
}

inline broker::partition::options replicated_options(std::int64_t segment_bytes_max = 1 << 20) {
  broker::partition::options o;
  o.replicated = true;
  o.log.segment_bytes_max = segment_bytes_max;
  o.log.segment.index_interval_bytes = 256;
  o.log.clock_ms = [] { return std::int64_t{1'000'000}; };
  o.stream_index.map_size_bytes = std::size_t{1} << 20;
  return o;
}

// A replicated partition and its Raft log, opened (again) on a directory.
struct replica_storage {
  std::unique_ptr<broker::partition> partition;
  std::unique_ptr<raftlog::partition_raft_log> log;

  static replica_storage open(const std::string& dir, raft::configuration bootstrap = {},
                              broker::partition::options opts = replicated_options()) {
    replica_storage s;
    auto p = broker::partition::open(dir, std::move(opts));
    REQUIRE(p);
    s.partition = std::move(p).value();
    auto l = raftlog::partition_raft_log::open(
        *s.partition,
        {.bootstrap = std::move(bootstrap), .clock_ms = [] { return std::int64_t{1'000'000}; }});
    REQUIRE(l);
    s.log = std::move(l).value();
    return s;
  }
};

// The node's part done by hand: appends a proposal at the log end in `term`.
class direct_replicator final : public broker::replicator {
 public:
  direct_replicator(raftlog::partition_raft_log& log, raft::term_id term)
      : log_(log), term_(term) {}
  result<eventstore::append_result> replicate(std::span<char> batch,
                                              std::int64_t record_count) override {
    raft::log_offset base = log_.end_offset();
    raft::entry e{.base_offset = base,
                  .last_offset = base + (record_count - 1),
                  .term = term_,
                  .kind = raft::entry_kind::data,
                  .records = std::string(batch.data(), batch.size())};
    log_.append(e);
    return eventstore::append_result{e.base_offset.value(), e.last_offset.value(), 0};
  }
  void set_term(raft::term_id t) { term_ = t; }

 private:
  raftlog::partition_raft_log& log_;
  raft::term_id term_;
};

// The driver's part: a proposal through the node (which appends through the adapter).
class node_replicator final : public broker::replicator {
 public:
  explicit node_replicator(raft::node*& node) : node_(node) {}
  result<eventstore::append_result> replicate(std::span<char> batch,
                                              std::int64_t record_count) override {
    CAIRN_TRY(auto r, node_->propose(std::string(batch.data(), batch.size()), record_count));
    return eventstore::append_result{r.base_offset.value(), r.last_offset.value(), 0};
  }

 private:
  raft::node*& node_;
};

// An idempotent producer's batch of `count` records.
inline std::string producer_batch(std::int64_t producer_id, std::int32_t sequence, int count,
                                  const std::string& prefix = "v") {
  eventstore::record_batch_builder builder;
  for (int i = 0; i < count; ++i) {
    std::string value = prefix + std::to_string(i);
    eventstore::record_input input;
    input.value = std::string_view(value);
    input.timestamp_ms = 1'000'000;
    builder.add(input);
  }
  builder.set_producer_state(producer_id, 0, sequence);
  return builder.finish();
}

// Events for AppendToStream on `key`.
inline std::string stream_events(const std::string& key, int count) {
  eventstore::record_batch_builder builder;
  for (int i = 0; i < count; ++i) {
    std::string value = "event-" + std::to_string(i);
    eventstore::record_input input;
    input.key = std::string_view(key);
    input.value = std::string_view(value);
    input.timestamp_ms = 1'000'000;
    builder.add(input);
  }
  return builder.finish();
}

// The producer state rebuilt from the partition's log: what a replica's table must equal.
inline broker::producer_state_table rebuilt_producer_state(const broker::partition& p) {
  broker::producer_state_table table;
  REQUIRE(p.log().scan_headers(p.log().start_offset(),
                               [&](const eventstore::batch_header& h) -> result<void> {
                                 table.record(h, h.base_offset);
                                 return success();
                               }));
  return table;
}

// The stream index rebuilt from the partition's log in `dir` (a fresh index).
inline eventstore::stream_index_dump rebuilt_stream_index(const broker::partition& p,
                                                          const std::string& dir) {
  auto index = eventstore::stream_index::open(dir, {.map_size_bytes = std::size_t{1} << 20});
  REQUIRE(index);
  auto rebuilt = index.value().rebuild([&](std::int64_t from, const eventstore::batch_visitor& visit) {
    return p.log().scan(from, visit);
  });
  REQUIRE(rebuilt);
  auto dump = index.value().dump();
  REQUIRE(dump);
  return dump.value();
}

}  // namespace cairn::testing
