// cairn topic create|list|describe|delete
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>

#include "cairn/admin.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {

int topic_command(client& c, const std::vector<std::string>& words) {
  args a(words, {"-p", "--partitions", "-r", "--replication-factor", "--retention-ms",
                 "--retention-bytes", "--timestamp-type"});
  if (!a.error().empty() || a.positional().empty()) {
    std::fprintf(stderr, "cairn topic: %s\n",
                 a.error().empty() ? "create, list, describe or delete?" : a.error().c_str());
    return kExitUsage;
  }
  admin adm(c);
  const std::string& verb = a.positional()[0];
  if (verb == "list") {
    auto topics = adm.list_topics();
    if (!topics) {
      report("list topics", topics.error());
      return kExitFailed;
    }
    for (const auto& t : topics.value())
      std::printf("%s\t%d\n", t.name.c_str(), t.partitions);
    return kExitOk;
  }
  if (a.positional().size() < 2) {
    std::fprintf(stderr, "cairn topic %s: which topic?\n", verb.c_str());
    return kExitUsage;
  }
  const std::string& name = a.positional()[1];
  if (verb == "create") {
    topic_settings settings;
    auto number = [&](std::initializer_list<const char*> names) -> std::optional<std::int64_t> {
      for (const char* n : names) {
        if (auto v = a.get(n)) return parse_int(*v);
      }
      return std::nullopt;
    };
    if (auto p = number({"-p", "--partitions"}))
      settings.partitions = static_cast<std::int32_t>(*p);
    if (auto r = number({"-r", "--replication-factor"})) {
      settings.replication_factor = static_cast<std::int16_t>(*r);
    }
    if (auto ms = number({"--retention-ms"})) settings.retention_ms = *ms;
    if (auto bytes = number({"--retention-bytes"})) settings.retention_bytes = *bytes;
    if (a.flag("--compact")) settings.cleanup = cleanup_policy::compact;
    if (auto type = a.get("--timestamp-type")) {
      if (*type == "LogAppendTime") {
        settings.timestamp = timestamp_type::log_append_time;
      } else if (*type != "CreateTime") {
        std::fprintf(stderr,
                     "cairn topic create: --timestamp-type is CreateTime or LogAppendTime\n");
        return kExitUsage;
      }
    }
    if (auto created = adm.create_topic(name, settings); !created) {
      report("create topic " + name, created.error());
      return kExitFailed;
    }
    std::fprintf(stderr, "created topic %s\n", name.c_str());
    return kExitOk;
  }
  if (verb == "delete") {
    if (auto deleted = adm.delete_topic(name); !deleted) {
      report("delete topic " + name, deleted.error());
      return kExitFailed;
    }
    std::fprintf(stderr, "deleted topic %s\n", name.c_str());
    return kExitOk;
  }
  if (verb == "describe") {
    auto d = adm.describe_topic(name);
    if (!d) {
      report("describe topic " + name, d.error());
      return kExitFailed;
    }
    const topic_description& t = d.value();
    std::printf(
        "topic %s  partitions %d  replication %d  retention.ms %lld  retention.bytes %lld"
        "  cleanup %s  timestamp.type %s\n",
        t.name.c_str(), t.settings.partitions, t.settings.replication_factor,
        static_cast<long long>(t.settings.retention_ms),
        static_cast<long long>(t.settings.retention_bytes),
        t.settings.cleanup == cleanup_policy::compact ? "compact" : "delete",
        t.settings.timestamp == timestamp_type::log_append_time ? "LogAppendTime" : "CreateTime");
    std::printf("%-10s %-7s %-12s %-12s %-14s %-14s %-14s\n", "partition", "leader", "replicas",
                "in-sync", "log-start", "high-watermark", "log-end");
    auto ids = [](const std::vector<std::int32_t>& v) {
      return v.empty() ? std::string("-") : fmt::format("{}", fmt::join(v, ","));
    };
    for (const partition_info& p : t.partitions) {
      std::printf("%-10d %-7d %-12s %-12s %-14lld %-14lld %-14lld\n", p.partition, p.leader,
                  ids(p.replicas).c_str(), ids(p.in_sync_replicas).c_str(),
                  static_cast<long long>(p.log_start_offset),
                  static_cast<long long>(p.high_watermark),
                  static_cast<long long>(p.log_end_offset));
    }
    return kExitOk;
  }
  std::fprintf(stderr, "cairn topic: unknown '%s' (create, list, describe, delete)\n",
               verb.c_str());
  return kExitUsage;
}

}  // namespace cairn::cli
