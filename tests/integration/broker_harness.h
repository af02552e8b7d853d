// Shared pieces of the broker integration tests: start a broker, and the few requests they use.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "eventstore/record/record_batch.h"
#include "protocol/frame.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wire_client.h"

namespace cairn::testing {

namespace wire = protocol::wire;

inline std::string broker_binary() {
  return CAIRN_BROKER_PATH;
}

inline void create_topic(wire_client& c, const std::string& name, int partitions) {
  auto r = c.call([&](wire::Request::Builder req) {
    auto t = req.initCreateTopics().initTopics(1)[0];
    t.setName(name);
    t.initConfig().setPartitions(partitions);
  });
  REQUIRE(r.root().getCreateTopics().getTopics()[0].getErrorCode() == wire::ErrorCode::NONE);
}

struct produced {
  wire::ErrorCode error;
  std::int64_t base_offset;
};

inline produced produce(wire_client& c, const std::string& topic, int partition,
                        const std::string& batch, wire::Acks acks = wire::Acks::ALL) {
  auto r = c.call([&](wire::Request::Builder req) {
    auto p = req.initProduce();
    p.setAcks(acks);
    auto t = p.initTopics(1)[0];
    t.setName(topic);
    auto part = t.initPartitions(1)[0];
    part.setPartition(partition);
    part.setRecords(
        capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(batch.data()), batch.size()));
  });
  auto result = r.root().getProduce().getTopics()[0].getPartitions()[0];
  return {result.getErrorCode(), result.getBaseOffset()};
}

inline void fill_fetch(wire::Request::Builder req, const std::string& topic, int partition,
                       std::int64_t offset, int max_wait_ms, int min_bytes = 1) {
  auto f = req.initFetch();
  f.setMaxWaitMs(max_wait_ms);
  f.setMinBytes(min_bytes);
  f.setMaxBytes(1 << 20);
  auto t = f.initTopics(1)[0];
  t.setName(topic);
  auto p = t.initPartitions(1)[0];
  p.setPartition(partition);
  p.setFetchOffset(offset);
}

// (offset, key, value) of every record in concatenated batches.
struct fetched_record {
  std::int64_t offset;
  std::string key;
  std::string value;
};

inline std::vector<fetched_record> records_of(capnp::Data::Reader data) {
  std::vector<fetched_record> out;
  std::string_view rest(reinterpret_cast<const char*>(data.begin()), data.size());
  while (!rest.empty()) {
    auto batch = eventstore::record_batch_view::parse(rest);
    REQUIRE(batch);
    for (const auto& r : batch.value()) {
      out.push_back({batch.value().base_offset() + r.offset_delta, std::string(r.key.value_or("")),
                     std::string(r.value.value_or(""))});
    }
    rest.remove_prefix(batch.value().size_bytes());
  }
  return out;
}

inline std::vector<fetched_record> fetch_all(wire_client& c, const std::string& topic,
                                             int partition) {
  std::vector<fetched_record> out;
  std::int64_t offset = 0;
  for (int guard = 0; guard < 10'000; ++guard) {
    auto r =
        c.call([&](wire::Request::Builder req) { fill_fetch(req, topic, partition, offset, 0); });
    auto p = r.root().getFetch().getTopics()[0].getPartitions()[0];
    REQUIRE(p.getErrorCode() == wire::ErrorCode::NONE);
    auto records = records_of(p.getRecords());
    if (records.empty()) break;
    out.insert(out.end(), records.begin(), records.end());
    offset = records.back().offset + 1;
  }
  return out;
}

inline std::string batch_of(const std::vector<std::pair<std::string, std::string>>& kv,
                            eventstore::record_batch_builder::options opts = {}) {
  eventstore::record_batch_builder builder(opts);
  for (const auto& [k, v] : kv) {
    std::optional<std::string_view> key;
    if (!k.empty()) key = k;
    builder.add({.key = key, .value = v, .timestamp_ms = 1000});
  }
  return builder.finish();
}

}  // namespace cairn::testing
