// cairn cluster status: brokers (liveness, the controller), then every partition's leader,
// replicas, in-sync set and per-replica lag, from one DescribeCluster.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>

#include "cairn/admin.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

std::string join_ids(const std::vector<std::int32_t>& ids) {
  return ids.empty() ? "-" : fmt::format("{}", fmt::join(ids, ","));
}

// "2:0,3:15": each replica's lag behind the leader's log end, in records.
std::string lags(const partition_info& p) {
  if (p.replica_states.empty()) return "-";
  std::vector<std::string> parts;
  for (const auto& r : p.replica_states)
    parts.push_back(fmt::format("{}:{}", r.node_id, r.lag));
  return fmt::format("{}", fmt::join(parts, ","));
}

std::string seen(std::int64_t ms_ago) {
  return ms_ago < 0 ? "never" : fmt::format("{} ms ago", ms_ago);
}

void print_brokers(const cluster_description& d) {
  std::size_t alive = 0;
  for (const auto& b : d.brokers)
    alive += b.alive ? 1 : 0;
  std::printf("cluster %s  controller %s  brokers %zu (%zu alive)\n", d.cluster_id.c_str(),
              d.controller_id < 0 ? "none" : std::to_string(d.controller_id).c_str(),
              d.brokers.size(), alive);
  std::printf("%-8s %-24s %-6s %-11s %s\n", "broker", "address", "alive", "controller",
              "last-seen");
  for (const auto& b : d.brokers) {
    std::string id = std::to_string(b.node_id) + (b.node_id == d.controller_id ? " *" : "");
    std::string address = b.host.find(':') != std::string::npos
                              ? fmt::format("[{}]:{}", b.host, b.port)
                              : fmt::format("{}:{}", b.host, b.port);
    const char* role = b.in_controller == controller_role::voter     ? "voter"
                       : b.in_controller == controller_role::learner ? "learner"
                                                                     : "-";
    std::printf("%-8s %-24s %-6s %-11s %s\n", id.c_str(), address.c_str(), b.alive ? "yes" : "no",
                role, seen(b.last_seen_ms_ago).c_str());
  }
}

void print_partitions(const std::vector<const topic_info*>& topics) {
  std::size_t topic_width = 5;
  for (const auto* t : topics)
    topic_width = std::max(topic_width, t->name.size());
  const int w = static_cast<int>(topic_width);
  std::printf("%-*s %-9s %-7s %-6s %-12s %-12s %s\n", w, "topic", "partition", "leader", "epoch",
              "replicas", "in-sync", "lag");
  for (const auto* t : topics) {
    for (const auto& p : t->partitions) {
      std::string leader = p.leader < 0 ? "none" : std::to_string(p.leader);
      std::string note;
      if (p.leader >= 0 && p.in_sync_replicas.size() < p.replicas.size()) {
        note = "  under-replicated";
      }
      if (p.error) note = "  " + p.error.message();
      std::printf("%-*s %-9d %-7s %-6d %-12s %-12s %s%s\n", w, t->name.c_str(), p.partition,
                  leader.c_str(), p.leader_epoch, join_ids(p.replicas).c_str(),
                  join_ids(p.in_sync_replicas).c_str(), lags(p).c_str(), note.c_str());
    }
  }
}

}  // namespace

int cluster_command(client& c, const std::vector<std::string>& words) {
  args a(words, {});
  if (!a.error().empty() || a.positional().empty() || a.positional()[0] != "status") {
    std::fprintf(stderr, "cairn cluster: %s\n",
                 a.error().empty() ? "status [--internal]?" : a.error().c_str());
    return kExitUsage;
  }
  admin adm(c);
  auto d = adm.describe_cluster();
  if (!d) {
    report("describe cluster", d.error());
    return kExitFailed;
  }
  print_brokers(d.value());
  std::vector<const topic_info*> topics;
  for (const auto& t : d.value().topics) {
    if (a.flag("--internal") || !t.name.starts_with("__")) topics.push_back(&t);
  }
  std::sort(topics.begin(), topics.end(),
            [](const topic_info* x, const topic_info* y) { return x->name < y->name; });
  std::printf("\n");
  print_partitions(topics);
  return kExitOk;
}

}  // namespace cairn::cli
