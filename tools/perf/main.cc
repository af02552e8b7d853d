// cairn-perf: load generator on the public SDK.
//
//   cairn-perf produce|consume|e2e --topic T --records N --record-size B [--partitions N]
//              [--acks none|leader|all] [--batch-bytes N] [--linger-ms N] [--rate R] [-b HOST:PORT]
//              [--compression none|gzip|snappy|lz4|zstd]
//
// produce: latency is send() to delivery result. consume: reads N records from the beginning.
// e2e: a producer and a consumer in one process; latency is send() to poll() (the value carries
// the send time). Prints a human summary and one JSON line.
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/command_line.h"
#include "cairn/admin.h"
#include "cairn/consumer.h"
#include "cairn/producer.h"
#include "tools/perf/histogram.h"

namespace po = boost::program_options;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  std::string mode, topic, bootstrap = "127.0.0.1:7070", acks = "all", compression = "none";
  std::int64_t records = 1'000'000;
  std::int32_t record_size = 100;
  std::int32_t partitions = 1;
  std::int32_t batch_bytes = 256 * 1024;
  std::int64_t linger_ms = 5;
  double rate = 0;                        // records/s; 0: as fast as possible
  std::string tls_ca, tls_cert, tls_key;  // TLS to the broker when any is set
};

std::optional<cairn::tls_options> tls_of(const settings& s) {
  if (s.tls_ca.empty() && s.tls_cert.empty() && s.tls_key.empty()) return std::nullopt;
  return cairn::tls_options{.ca_file = s.tls_ca, .cert_file = s.tls_cert, .key_file = s.tls_key};
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
      .count();
}

struct summary {
  std::int64_t records = 0;
  std::int64_t bytes = 0;
  double seconds = 0;
  std::int64_t failed = 0;
  cairn::perf::histogram latency_us;
};

void print(const settings& s, const summary& r) {
  double rps = static_cast<double>(r.records) / r.seconds;
  double mbs = static_cast<double>(r.bytes) / (1 << 20) / r.seconds;
  std::fprintf(stderr,
               "%s %s: %lld records in %.2f s: %.0f records/s, %.1f MB/s; latency us p50 %llu "
               "p99 %llu p99.9 %llu max %llu; failed %lld\n",
               s.mode.c_str(), s.topic.c_str(), static_cast<long long>(r.records), r.seconds, rps,
               mbs, static_cast<unsigned long long>(r.latency_us.quantile(0.5)),
               static_cast<unsigned long long>(r.latency_us.quantile(0.99)),
               static_cast<unsigned long long>(r.latency_us.quantile(0.999)),
               static_cast<unsigned long long>(r.latency_us.max()),
               static_cast<long long>(r.failed));
  boost::json::object o;
  o["mode"] = s.mode;
  o["records"] = r.records;
  o["record_size"] = s.record_size;
  o["acks"] = s.acks;
  o["seconds"] = r.seconds;
  o["records_s"] = rps;
  o["mb_s"] = mbs;
  o["latency_p50_us"] = r.latency_us.quantile(0.5);
  o["latency_p99_us"] = r.latency_us.quantile(0.99);
  o["latency_p999_us"] = r.latency_us.quantile(0.999);
  o["latency_max_us"] = r.latency_us.max();
  o["failed"] = r.failed;
  std::printf("%s\n", boost::json::serialize(o).c_str());
}

void ensure_topic(cairn::client& c, const settings& s) {
  cairn::admin admin(c);
  auto created = admin.create_topic(s.topic, {.partitions = s.partitions});
  if (!created && created.error() != cairn::protocol::errc::topic_already_exists) {
    std::fprintf(stderr, "cairn-perf: create topic: %s\n", created.error().message().c_str());
    std::exit(1);
  }
}

// Sends s.records records, paced at s.rate if set. Each value starts with its send time.
summary produce(cairn::client& c, const settings& s) {
  cairn::producer_options options;
  options.required_acks = s.acks == "none"     ? cairn::acks::none
                          : s.acks == "leader" ? cairn::acks::leader
                                               : cairn::acks::all;
  options.batch_bytes_max = s.batch_bytes;
  options.linger_ms = s.linger_ms;
  options.compression =
      cairn::compression_type_from_name(s.compression).value();  // checked in main
  options.request_bytes_max = std::max(options.request_bytes_max, s.batch_bytes * 4);
  auto p = cairn::producer::create(c, options);
  if (!p) {
    std::fprintf(stderr, "cairn-perf: producer: %s\n", p.error().message().c_str());
    std::exit(1);
  }
  summary r;
  std::mutex mu;  // guards r.latency_us, r.failed and errors (callbacks run on the client's thread)
  std::map<std::string, std::int64_t> errors;  // why records failed, reported on stderr
  std::string value(static_cast<std::size_t>(std::max(s.record_size, 8)), 'x');
  auto start = clock_type::now();
  bool progress = ::isatty(STDERR_FILENO) == 1;
  for (std::int64_t i = 0; i < s.records; ++i) {
    if (s.rate > 0) {
      auto due = start + std::chrono::nanoseconds(
                             static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / s.rate));
      std::this_thread::sleep_until(due);  // pacing a load, not synchronising on an event
    }
    std::int64_t sent = now_ns();
    std::memcpy(value.data(), &sent, sizeof sent);
    p.value()->send({.topic = s.topic, .value = value},
                    [&mu, &r, &errors, sent](const cairn::delivery_result& d) {
                      std::lock_guard lock(mu);
                      if (!d) {
                        ++r.failed;
                        ++errors[d.error().message()];
                        return;
                      }
                      r.latency_us.record(static_cast<std::uint64_t>((now_ns() - sent) / 1000));
                    });
    if (progress && i % 200'000 == 0 && i > 0) {
      std::fprintf(stderr, "\rsent %lld", static_cast<long long>(i));
    }
  }
  if (auto flushed = p.value()->flush(); !flushed) {
    std::fprintf(stderr, "cairn-perf: flush: %s\n", flushed.error().message().c_str());
  }
  if (progress) std::fprintf(stderr, "\r");
  for (const auto& [why, count] : errors) {
    std::fprintf(stderr, "cairn-perf: %lld records failed: %s\n", static_cast<long long>(count),
                 why.c_str());
  }
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.records = s.records;
  r.bytes = s.records * static_cast<std::int64_t>(value.size());
  return r;
}

summary consume(cairn::client& c, const settings& s, bool end_to_end,
                std::promise<void>* positioned = nullptr) {
  cairn::consumer cons(c, {.fetch_bytes_max = 8 << 20, .partition_fetch_bytes_max = 8 << 20});
  std::vector<cairn::topic_partition> tps;
  for (std::int32_t i = 0; i < s.partitions; ++i)
    tps.push_back({s.topic, i});
  cons.assign(tps);
  if (auto at = end_to_end ? cons.seek_to_end(tps) : cons.seek_to_beginning(tps); !at) {
    std::fprintf(stderr, "cairn-perf: seek: %s\n", at.error().message().c_str());
    std::exit(1);
  }
  if (positioned != nullptr) positioned->set_value();
  summary r;
  auto start = clock_type::now();
  int idle_polls = 0;
  bool progress = !end_to_end && ::isatty(STDERR_FILENO) == 1;
  std::int64_t shown = 0;
  while (r.records < s.records && idle_polls < 50) {  // bounded: 50 empty polls of 200 ms
    auto records = cons.poll(200);
    if (!records) {
      std::fprintf(stderr, "cairn-perf: poll: %s\n", records.error().message().c_str());
      break;
    }
    if (records.value().empty()) {
      ++idle_polls;
      continue;
    }
    idle_polls = 0;
    std::int64_t received = now_ns();
    if (progress && r.records - shown >= 200'000) {
      shown = r.records;
      std::fprintf(stderr, "\rread %lld", static_cast<long long>(r.records));
    }
    for (const auto& rec : records.value()) {
      ++r.records;
      r.bytes += rec.value ? static_cast<std::int64_t>(rec.value->size()) : 0;
      if (end_to_end && rec.value && rec.value->size() >= 8) {
        std::int64_t sent = 0;
        std::memcpy(&sent, rec.value->data(), sizeof sent);
        r.latency_us.record(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, received - sent) / 1000));
      }
    }
  }
  if (shown > 0) std::fprintf(stderr, "\r");
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  po::options_description desc("cairn-perf produce|consume|e2e");
  desc.add_options()("help,h", "show this help")("mode", po::value(&s.mode), "produce|consume|e2e")(
      "topic", po::value(&s.topic)->required(), "topic (created if missing)")(
      "records", po::value(&s.records)->default_value(s.records), "records to send or read")(
      "record-size", po::value(&s.record_size)->default_value(s.record_size), "value bytes")(
      "partitions", po::value(&s.partitions)->default_value(s.partitions), "partitions")(
      "acks", po::value(&s.acks)->default_value(s.acks), "none|leader|all")(
      "batch-bytes", po::value(&s.batch_bytes)->default_value(s.batch_bytes), "batch size")(
      "linger-ms", po::value(&s.linger_ms)->default_value(s.linger_ms), "linger")(
      "rate", po::value(&s.rate)->default_value(0), "records/s (0: unlimited)")(
      "compression", po::value(&s.compression)->default_value(s.compression),
      "none|gzip|snappy|lz4|zstd")(
      "bootstrap,b", po::value(&s.bootstrap)->default_value(s.bootstrap), "HOST:PORT")(
      "tls-ca", po::value(&s.tls_ca), "TLS: PEM CA of the broker's certificate")(
      "tls-cert", po::value(&s.tls_cert), "TLS: PEM client certificate (with --tls-key)")(
      "tls-key", po::value(&s.tls_key), "TLS: PEM private key of --tls-cert");
  po::positional_options_description positional;
  positional.add("mode", 1);
  po::variables_map vm;
  if (auto exit_code = cairn::parse_options("cairn-perf", argc, argv, desc, vm, &positional)) {
    return *exit_code;
  }
  if (s.mode != "produce" && s.mode != "consume" && s.mode != "e2e") {
    std::cerr << "cairn-perf: the mode is produce, consume or e2e\n";
    return 2;
  }
  if (!cairn::compression_type_from_name(s.compression)) {
    std::cerr << "cairn-perf: --compression is none, gzip, snappy, lz4 or zstd\n";
    return 2;
  }
  auto c = cairn::client::create(
      {.bootstrap = {s.bootstrap}, .client_id = "cairn-perf", .tls = tls_of(s)});
  if (!c) {
    std::fprintf(stderr, "cairn-perf: %s\n", c.error().message().c_str());
    return 1;
  }
  ensure_topic(*c.value(), s);
  summary result;
  if (s.mode == "produce") {
    result = produce(*c.value(), s);
  } else if (s.mode == "consume") {
    result = consume(*c.value(), s, false);
  } else {
    summary consumed;
    std::promise<void> positioned;
    auto ready = positioned.get_future();
    // The consumer has a client of its own, as a separate service would.
    auto consumer_client = cairn::client::create(
        {.bootstrap = {s.bootstrap}, .client_id = "cairn-perf-consumer", .tls = tls_of(s)});
    if (!consumer_client) {
      std::fprintf(stderr, "cairn-perf: %s\n", consumer_client.error().message().c_str());
      return 1;
    }
    std::thread reader([&] { consumed = consume(*consumer_client.value(), s, true, &positioned); });
    ready.wait();  // the consumer sits at the end before the first record is sent
    summary sent = produce(*c.value(), s);
    reader.join();
    result = consumed;
    result.failed = sent.failed;
  }
  print(s, result);
  return result.failed == 0 && result.records == s.records ? 0 : 1;
}
