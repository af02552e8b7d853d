// cairn consume TOPIC -g GROUP: joins the consumer group, prints what poll() brings, and commits
// the printed records' offsets after each poll (at-least-once: a crash between printing and
// committing prints those records again, from whichever member reads the partition next).
// Runs until SIGINT/SIGTERM (then it commits nothing new, leaves the group and exits 0), -n
// records, or, with --timeout-ms, that long without a record once it has joined.
#include <csignal>
#include <cstdio>
#include <string>

#include "cairn/consumer.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

std::string list(const std::vector<topic_partition>& tps) {
  std::string out;
  for (const auto& tp : tps) {
    if (!out.empty()) out += ' ';
    out += tp.topic + "/" + std::to_string(tp.partition);
  }
  return out.empty() ? "(none)" : out;
}

// What rebalances do, on stderr: users see their share change, and tests wait for it.
rebalance_listener stderr_listener(bool& joined) {
  rebalance_listener l;
  l.on_assigned = [&joined](const std::vector<topic_partition>& tps) {
    joined = true;
    std::fprintf(stderr, "cairn consume: assigned %s\n", list(tps).c_str());
    std::fflush(stderr);
  };
  l.on_revoked = [](const std::vector<topic_partition>& tps) {
    std::fprintf(stderr, "cairn consume: revoked %s\n", list(tps).c_str());
    std::fflush(stderr);
  };
  l.on_lost = [](const std::vector<topic_partition>& tps) {
    std::fprintf(stderr, "cairn consume: lost %s\n", list(tps).c_str());
    std::fflush(stderr);
  };
  return l;
}

}  // namespace

int group_consume(client& c, const group_consume_options& o) {
  consumer_options options;
  options.reset = o.reset;
  options.session_timeout_ms = o.session_timeout_ms;
  options.heartbeat_interval_ms = std::min(3'000, std::max(o.session_timeout_ms / 3, 1));
  options.group_instance_id = o.instance_id;
  if (!o.assignors.empty()) options.assignors = o.assignors;
  consumer cons(c, options);
  bool joined = false;
  if (auto subscribed = cons.subscribe({o.topic}, o.group, stderr_listener(joined)); !subscribed) {
    report("join group " + o.group, subscribed.error());
    return kExitFailed;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  using clock = std::chrono::steady_clock;
  auto last_activity = clock::now();
  std::int64_t printed = 0;
  while (g_stop == 0 && (o.max < 0 || printed < o.max)) {
    bool was_joined = joined;
    auto records = cons.poll(500);
    if (!records) {
      report("poll", records.error());
      if (!sdk::is_retriable(records.error())) return kExitFailed;
      continue;  // the coordinator was out of reach; the next poll tries again
    }
    if (joined && !was_joined) last_activity = clock::now();
    if (records.value().empty()) {
      if (o.idle_timeout_ms >= 0 && joined &&
          clock::now() - last_activity >= std::chrono::milliseconds(o.idle_timeout_ms)) {
        break;
      }
      continue;
    }
    last_activity = clock::now();
    std::map<topic_partition, std::int64_t> done;
    for (const consumer_record& r : records.value()) {
      print_record(r, o.format);
      done[{r.topic, r.partition}] = r.offset + 1;
      if (++printed == o.max) break;
    }
    std::fflush(stdout);
    if (auto committed = cons.commit(done); !committed) {
      // The group moved on (a rebalance, this member expired): the next poll rejoins, and these
      // records may be printed again by whoever reads their partition next.
      report("commit", committed.error());
    }
  }
  cons.close();
  return kExitOk;
}

}  // namespace cairn::cli
