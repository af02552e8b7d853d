// cairn produce TOPIC: one record per stdin line; exits 0 only when every record was acked.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>

#include "cairn/producer.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {

int produce_command(client& c, const std::vector<std::string>& words) {
  args a(words, {"-k", "--key", "--key-sep", "-H", "--header", "--acks", "--compression"});
  if (!a.error().empty() || a.positional().size() != 1) {
    std::fprintf(
        stderr, "cairn produce: %s\n",
        a.error().empty() ? "usage: cairn produce TOPIC [options] < lines" : a.error().c_str());
    return kExitUsage;
  }
  const std::string topic = a.positional()[0];
  producer_options options;
  std::string acks_text = a.get("--acks").value_or("all");
  if (acks_text == "none") {
    options.required_acks = acks::none;
  } else if (acks_text == "leader") {
    options.required_acks = acks::leader;
  } else if (acks_text != "all") {
    std::fprintf(stderr, "cairn produce: --acks wants none, leader or all\n");
    return kExitUsage;
  }
  auto compression = compression_type_from_name(a.get("--compression").value_or("none"));
  if (!compression) {
    std::fprintf(stderr, "cairn produce: --compression wants none, gzip, snappy, lz4 or zstd\n");
    return kExitUsage;
  }
  options.compression = *compression;
  std::vector<header> headers;
  for (const std::string& h : a.all("-H")) {
    auto eq = h.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "cairn produce: -H wants name=value, got '%s'\n", h.c_str());
      return kExitUsage;
    }
    headers.push_back({h.substr(0, eq), h.substr(eq + 1)});
  }
  auto fixed_key = a.get("-k") ? a.get("-k") : a.get("--key");
  auto key_sep = a.get("--key-sep");

  auto p = producer::create(c, options);
  if (!p) {
    report("create producer", p.error());
    return kExitFailed;
  }
  std::atomic<std::int64_t> acked{0}, failed{0};
  std::mutex first_error_mu;
  std::condition_variable outcome_arrived;  // under first_error_mu
  std::error_code first_error;
  std::int64_t sent = 0;
  std::string line;
  while (std::getline(std::cin, line)) {
    producer_record r{.topic = topic, .value = line, .headers = headers};
    if (fixed_key) r.key = *fixed_key;
    if (key_sep) {
      auto at = line.find(*key_sep);
      if (at != std::string::npos) {
        r.key = line.substr(0, at);
        r.value = line.substr(at + key_sep->size());
      }
    }
    p.value()->send(std::move(r), [&](const delivery_result& d) {
      std::lock_guard lock(first_error_mu);
      if (d) {
        ++acked;
      } else {
        ++failed;
        if (!first_error) first_error = d.error();
      }
      outcome_arrived.notify_all();
    });
    ++sent;
    if (progress_wanted() && sent % 10000 == 0) {
      std::fprintf(stderr, "\rsent %lld, acknowledged %lld", static_cast<long long>(sent),
                   static_cast<long long>(acked.load()));
    }
  }
  auto flushed = p.value()->flush();
  {
    // flush() returns once every record has its result; the callbacks that count them run on
    // the client's thread and may still be on their way (found with one record and a leader
    // change: "produced 0 of 1" with no error). Bounded: flush already waited for the results.
    std::unique_lock lock(first_error_mu);
    outcome_arrived.wait_for(lock, std::chrono::seconds(5),
                             [&] { return acked.load() + failed.load() >= sent; });
  }
  if (progress_wanted() && sent >= 10000) std::fprintf(stderr, "\n");
  std::fprintf(stderr, "produced %lld of %lld records to %s (acks %s)\n",
               static_cast<long long>(acked.load()), static_cast<long long>(sent), topic.c_str(),
               acks_text.c_str());
  if (!flushed) report("flush", flushed.error());
  if (failed > 0 || acked != sent || !flushed) {
    std::lock_guard lock(first_error_mu);
    if (first_error) report(std::to_string(failed.load()) + " records failed, first", first_error);
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace cairn::cli
