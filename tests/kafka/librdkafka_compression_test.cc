// librdkafka's idempotent producer (acks=all) under each of Kafka's four codecs against a real
// cairn-broker: every record is delivered, a librdkafka consumer and the native CLI each read
// every record back exactly once and in order per partition, and the broker stored the batches
// compressed with the producer's codec (it stores batches as sent).
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "eventstore/record/batch_header.h"
#include "tests/kafka/kafka_fixture.h"
#include "tests/kafka/rdkafka_support.h"

namespace {

using namespace cairn::testing;
namespace layout = cairn::eventstore::batch_layout;

constexpr int kPartitions = 3;
constexpr int kRecords = 600;

struct delivery_counts {
  int ok = 0;
  int failed = 0;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* counts = static_cast<delivery_counts*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++counts->ok;
  } else {
    ++counts->failed;
    UNSCOPED_INFO("delivery failed: " << rd_kafka_err2str(m->err));
  }
}

// Record i's key and value: the key spreads records over partitions, the value carries i and is
// long and repetitive enough that every codec shrinks a batch of them.
std::string key_of(int i) {
  return "key-" + std::to_string(i % 17);
}
std::string value_of(int i) {
  return "record " + std::to_string(i) + " " + std::string(200, 'a' + i % 26);
}
int index_of(const std::string& value) {
  return std::stoi(value.substr(7, value.find(' ', 7) - 7));
}

// Checks that `records` holds each of the kRecords values exactly once and that within each
// partition they come in production order with consecutive offsets.
void check_exactly_once_in_order(const std::vector<consumed_record>& records) {
  REQUIRE(records.size() == static_cast<std::size_t>(kRecords));
  std::vector<int> seen(kRecords, 0);
  std::map<std::int32_t, std::vector<const consumed_record*>> by_partition;
  for (const auto& r : records) {
    const int i = index_of(r.value);
    REQUIRE(i >= 0);
    REQUIRE(i < kRecords);
    ++seen[i];
    CHECK(r.key == key_of(i));
    CHECK(r.value == value_of(i));
    by_partition[r.partition].push_back(&r);
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
  for (const auto& [partition, list] : by_partition) {
    INFO("partition " << partition);
    for (std::size_t n = 1; n < list.size(); ++n) {
      CHECK(list[n]->offset == list[n - 1]->offset + 1);
      CHECK(index_of(list[n]->value) > index_of(list[n - 1]->value));
    }
  }
}

// The compression bits of every batch the broker stored for `topic`, read from its segments.
std::vector<int> stored_codecs(const kafka_broker& b, const std::string& topic) {
  namespace fs = std::filesystem;
  std::vector<int> codecs;
  for (int p = 0; p < kPartitions; ++p) {
    const fs::path dir = b.dir.path() / "topics" / topic / std::to_string(p);
    if (!fs::exists(dir)) continue;
    std::vector<fs::path> segments;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".log") segments.push_back(e.path());
    std::sort(segments.begin(), segments.end());
    for (const auto& path : segments) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      const std::string s = bytes.str();
      std::size_t at = 0;
      while (at + layout::kHeaderSize <= s.size()) {
        auto h = cairn::eventstore::batch_header::read(s.data() + at);
        if (h.batch_length <= 0) break;  // preallocated tail
        codecs.push_back(h.attributes & layout::kCompressionMask);
        at += static_cast<std::size_t>(h.batch_length) + layout::kLogOverhead;
      }
    }
  }
  return codecs;
}

}  // namespace

TEST_CASE("an idempotent librdkafka producer's compressed batches are read back exactly once") {
  const auto [codec, codec_id] =
      GENERATE(table<std::string, int>({{"gzip", 1}, {"snappy", 2}, {"lz4", 3}, {"zstd", 4}}));
  INFO("codec " << codec);
  kafka_broker b;
  const std::string topic = "compressed-" + codec;
  b.create_topic(topic, kPartitions);

  delivery_counts counts;
  {
    auto rk = rdkafka_client(RD_KAFKA_PRODUCER, b.kafka_address(),
                             {{"enable.idempotence", "true"},
                              {"acks", "all"},
                              {"compression.codec", codec},
                              {"linger.ms", "20"},
                              {"batch.num.messages", "100"}},
                             on_delivery, &counts);
    for (int i = 0; i < kRecords; ++i) {
      const std::string key = key_of(i);
      const std::string value = value_of(i);
      REQUIRE(rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                RD_KAFKA_V_KEY(key.data(), key.size()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    REQUIRE(rd_kafka_flush(rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  CHECK(counts.failed == 0);
  REQUIRE(counts.ok == kRecords);

  {
    INFO("read back by a librdkafka consumer");
    check_exactly_once_in_order(
        rdkafka_consume(b.kafka_address(), topic, kPartitions, kRecords, std::chrono::seconds(30)));
  }
  {
    INFO("read back by the native CLI (the SDK consumer)");
    auto out = b.cli({"consume", topic, "--format", "json", "--timeout-ms", "2000"}).out;
    std::vector<consumed_record> records;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      auto o = boost::json::parse(line).as_object();
      records.push_back({static_cast<std::int32_t>(o.at("partition").to_number<std::int64_t>()),
                         o.at("offset").to_number<std::int64_t>(),
                         std::string(o.at("key").as_string()),
                         std::string(o.at("value").as_string()), 0});
    }
    check_exactly_once_in_order(records);
  }

  {
    INFO("the broker stored the batches as sent: compressed with the producer's codec");
    auto codecs = stored_codecs(b, topic);
    REQUIRE(!codecs.empty());
    CHECK(std::all_of(codecs.begin(), codecs.end(), [&](int c) { return c == codec_id; }));
  }
}
