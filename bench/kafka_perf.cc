// kafka_perf: the Kafka-protocol counterpart of cairn-perf, on librdkafka (Debian's 2.0.2), so
// one script measures both front ends of one broker in the same run (bench/kafka_vs_native.sh).
//
//   kafka_perf produce|consume|e2e -b HOST:PORT --topic T --records N --record-size B
//              [--acks 0|1|all] [--linger-ms N] [--rate R] [--compression none|gzip|...]
//              [--ssl-ca CA.pem]   (SSL to a TLS listener)
//   kafka_perf idle -b HOST:PORT --connections N     (opens N connections, each past
//              ApiVersions and Metadata, and holds them until stdin closes)
//
// produce: latency is produce() to the delivery report. consume: reads N records of partition 0
// from the beginning. e2e: a producer and a consumer in one process; latency is produce() to
// poll() (the value carries the send time). Prints one JSON line with cairn-perf's field names.
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tools/perf/histogram.h"

namespace po = boost::program_options;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  std::string mode, topic = "bench", bootstrap = "127.0.0.1:9092", acks = "all",
                    compression = "none";
  std::int64_t records = 1'000'000;
  std::int32_t record_size = 100;
  std::int32_t linger_ms = 5;
  std::int64_t rate = 0;  // records/s; 0: as fast as possible
  std::int32_t connections = 1000;
  // SSL to a broker started with --tls-cert (security.protocol=ssl): the CA of its certificate.
  std::string ssl_ca;
};

struct outcome {
  std::int64_t records = 0;
  double seconds = 0;
  std::int64_t failed = 0;
  cairn::perf::histogram latency_us;
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now().time_since_epoch())
      .count();
}

rd_kafka_conf_t* make_conf(const settings& s) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "kafka_perf: %s=%s: %s\n", k, v.c_str(), err);
      std::exit(2);
    }
  };
  set("bootstrap.servers", s.bootstrap);
  if (!s.ssl_ca.empty()) {
    set("security.protocol", "ssl");
    set("ssl.ca.location", s.ssl_ca);
  }
  return conf;
}

struct producer_state {
  outcome* out;
  std::int64_t delivered = 0;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<producer_state*>(opaque);
  ++st->delivered;
  if (m->err) {
    ++st->out->failed;
    return;
  }
  std::int64_t sent = 0;
  std::memcpy(&sent, m->payload, sizeof sent);
  st->out->latency_us.record(
      static_cast<std::uint64_t>(std::max<std::int64_t>(now_us() - sent, 0)));
}

rd_kafka_t* make_producer(const settings& s, producer_state& st) {
  rd_kafka_conf_t* conf = make_conf(s);
  char err[512];
  auto set = [&](const char* k, const std::string& v) {
    rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err);
  };
  set("acks", s.acks == "all" ? "-1" : s.acks);
  set("linger.ms", std::to_string(s.linger_ms));
  set("compression.codec", s.compression);
  set("queue.buffering.max.messages", "1000000");
  set("batch.size", "1000000");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &st);
  rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (p == nullptr) {
    std::fprintf(stderr, "kafka_perf: producer: %s\n", err);
    std::exit(1);
  }
  return p;
}

void produce_all(const settings& s, rd_kafka_t* p) {
  std::string value(static_cast<std::size_t>(std::max<std::int32_t>(s.record_size, 8)), 'x');
  const auto start = clock_type::now();
  for (std::int64_t i = 0; i < s.records; ++i) {
    if (s.rate > 0) {
      auto due = start + std::chrono::microseconds(i * 1'000'000 / s.rate);
      while (clock_type::now() < due)
        rd_kafka_poll(p, 0);
    }
    std::int64_t t = now_us();
    std::memcpy(value.data(), &t, sizeof t);
    while (true) {
      auto e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(s.topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "kafka_perf: produce: %s\n", rd_kafka_err2str(e));
        std::exit(1);
      }
      rd_kafka_poll(p, 1);
    }
    rd_kafka_poll(p, 0);
  }
}

outcome run_produce(const settings& s) {
  outcome out;
  producer_state st{&out};
  rd_kafka_t* p = make_producer(s, st);
  auto start = clock_type::now();
  produce_all(s, p);
  rd_kafka_flush(p, 120'000);
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  out.records = st.delivered - out.failed;
  rd_kafka_destroy(p);
  return out;
}

rd_kafka_t* make_consumer(const settings& s) {
  rd_kafka_conf_t* conf = make_conf(s);
  char err[512];
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "kafka-perf", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "100", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.error.backoff.ms", "10", err, sizeof err);
  // The fetch sizes cairn-perf's consumer asks for (8 MiB per partition and per response), so
  // both front ends serve the same requests: librdkafka's default is 1 MiB per partition.
  rd_kafka_conf_set(conf, "max.partition.fetch.bytes", "8388608", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.max.bytes", "8388608", err, sizeof err);
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (c == nullptr) {
    std::fprintf(stderr, "kafka_perf: consumer: %s\n", err);
    std::exit(1);
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, s.topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(c, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  return c;
}

// Counts one message; records its end-to-end latency when `timed` (the value carries the send
// time).
void take_message(const rd_kafka_message_t* m, std::int64_t& got, outcome& out, bool timed,
                  std::atomic<bool>* ready) {
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && ready != nullptr) ready->store(true);
  if (m->err) return;
  ++got;
  if (timed && m->len >= 8) {
    std::int64_t sent = 0;
    std::memcpy(&sent, m->payload, sizeof sent);
    out.latency_us.record(static_cast<std::uint64_t>(std::max<std::int64_t>(now_us() - sent, 0)));
  }
}

// Reads until `records` arrived or 120 s passed; records end-to-end latency when `timed`.
// `ready` is set once the consumer has reached the partition's end (it fetches from there on), so
// e2e starts producing only then: latency is the steady state's, not the consumer's start-up.
//
// Throughput runs take messages off the consumer's queue in batches
// (rd_kafka_consume_batch_queue): one queue lock and wake-up per batch instead of per message,
// where a one-message-per-call loop spends much of its time with small records
// (docs/benchmarks.md, "Kafka consume: where the time goes"). Latency runs poll one message at a
// time, since a batch call waits for its batch to fill (up to its timeout) before it returns.
std::int64_t consume_n(rd_kafka_t* c, std::int64_t records, outcome& out, bool timed,
                       std::atomic<bool>* ready = nullptr) {
  constexpr std::size_t kBatch = 4096;
  std::int64_t got = 0;
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(c);
  std::vector<rd_kafka_message_t*> batch(kBatch);
  const auto deadline = clock_type::now() + std::chrono::seconds(120);
  while (got < records && clock_type::now() < deadline) {
    if (timed) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 100);
      if (m == nullptr) continue;
      take_message(m, got, out, timed, ready);
      rd_kafka_message_destroy(m);
      continue;
    }
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<std::size_t>(i)];
      take_message(m, got, out, timed, ready);
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_queue_destroy(queue);
  return got;
}

outcome run_consume(const settings& s) {
  outcome out;
  rd_kafka_t* c = make_consumer(s);
  auto start = clock_type::now();
  out.records = consume_n(c, s.records, out, false);
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  out.failed = s.records - out.records;
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return out;
}

outcome run_e2e(const settings& s) {
  outcome out;
  outcome ignored;
  rd_kafka_t* c = make_consumer(s);
  std::int64_t got = 0;
  std::atomic<bool> ready{false};
  std::thread reader([&] { got = consume_n(c, s.records, out, true, &ready); });
  producer_state st{&ignored};
  rd_kafka_t* p = make_producer(s, st);
  // The producer learns the topic's leader before the clock starts (librdkafka otherwise asks
  // for it on the first record and holds the first ~0.4 s of records meanwhile).
  rd_kafka_topic_t* topic = rd_kafka_topic_new(p, s.topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(p, 0, topic, &metadata, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(metadata);
  }
  rd_kafka_topic_destroy(topic);
  const auto ready_by = clock_type::now() + std::chrono::seconds(30);
  while (!ready.load() && clock_type::now() < ready_by)
    rd_kafka_poll(p, 10);  // also connects the producer before the clock starts
  auto start = clock_type::now();
  produce_all(s, p);
  rd_kafka_flush(p, 120'000);
  reader.join();
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  out.records = got;
  out.failed = s.records - got;
  rd_kafka_destroy(p);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return out;
}

// Raw sockets, each past an ApiVersions v0 round trip, held open: what an idle client fleet
// costs the broker (RSS is read by the script).
int run_idle(const settings& s) {
  auto colon = s.bootstrap.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(s.bootstrap.substr(colon + 1))));
  inet_pton(AF_INET, s.bootstrap.substr(0, colon).c_str(), &addr.sin_addr);
  // size 10: api key 18, version 0, correlation 1, client id null.
  const unsigned char api_versions[] = {0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff};
  std::vector<int> fds;
  for (std::int32_t i = 0; i < s.connections; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::fprintf(stderr, "kafka_perf: connection %d failed\n", i);
      return 1;
    }
    if (::write(fd, api_versions, sizeof api_versions) != sizeof api_versions) return 1;
    char size[4];
    if (::recv(fd, size, 4, MSG_WAITALL) != 4) return 1;
    std::uint32_t n = (std::uint32_t(std::uint8_t(size[0])) << 24) |
                      (std::uint32_t(std::uint8_t(size[1])) << 16) |
                      (std::uint32_t(std::uint8_t(size[2])) << 8) | std::uint8_t(size[3]);
    std::vector<char> body(n);
    if (::recv(fd, body.data(), n, MSG_WAITALL) != static_cast<ssize_t>(n)) return 1;
    fds.push_back(fd);
  }
  std::printf("{\"mode\":\"idle\",\"connections\":%zu}\n", fds.size());
  std::fflush(stdout);
  std::string line;
  std::getline(std::cin, line);  // hold until told
  for (int fd : fds)
    ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  po::options_description desc("kafka_perf: Kafka-protocol load on librdkafka");
  desc.add_options()("help,h", "show this help")("mode", po::value(&s.mode)->required(),
                                                 "produce | consume | e2e | idle")(
      "bootstrap,b", po::value(&s.bootstrap)->default_value(s.bootstrap), "Kafka HOST:PORT")(
      "topic", po::value(&s.topic)->default_value(s.topic), "topic (partition 0 is used)")(
      "records", po::value(&s.records)->default_value(s.records), "records")(
      "record-size", po::value(&s.record_size)->default_value(s.record_size), "value bytes")(
      "acks", po::value(&s.acks)->default_value(s.acks), "0 | 1 | all")(
      "linger-ms", po::value(&s.linger_ms)->default_value(s.linger_ms), "librdkafka linger.ms")(
      "rate", po::value(&s.rate)->default_value(s.rate), "records/s, 0: unlimited")(
      "compression", po::value(&s.compression)->default_value(s.compression),
      "none | gzip | snappy | lz4 | zstd")(
      "connections", po::value(&s.connections)->default_value(s.connections), "idle: how many")(
      "ssl-ca", po::value(&s.ssl_ca),
      "SSL (security.protocol=ssl) to a TLS listener: the PEM CA of its certificate "
      "(not for idle)");
  po::positional_options_description positional;
  positional.add("mode", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kafka_perf: %s\n", e.what());
    return 2;
  }
  if (s.mode == "idle") return run_idle(s);
  outcome r;
  if (s.mode == "produce") {
    r = run_produce(s);
  } else if (s.mode == "consume") {
    r = run_consume(s);
  } else if (s.mode == "e2e") {
    r = run_e2e(s);
  } else {
    std::fprintf(stderr, "kafka_perf: mode is produce, consume, e2e or idle\n");
    return 2;
  }
  double rps = r.seconds > 0 ? static_cast<double>(r.records) / r.seconds : 0;
  boost::json::object o;
  o["mode"] = s.mode;
  o["records"] = r.records;
  o["record_size"] = s.record_size;
  o["acks"] = s.acks;
  o["seconds"] = r.seconds;
  o["records_s"] = rps;
  o["mb_s"] = rps * s.record_size / 1e6;
  o["latency_p50_us"] = r.latency_us.quantile(0.5);
  o["latency_p99_us"] = r.latency_us.quantile(0.99);
  o["latency_p999_us"] = r.latency_us.quantile(0.999);
  o["latency_max_us"] = r.latency_us.max();
  o["failed"] = r.failed;
  std::printf("%s\n", boost::json::serialize(o).c_str());
  return r.failed == 0 ? 0 : 1;
}
