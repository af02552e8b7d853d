// cairn dlq list TOPIC [--group G] [--json] | replay TOPIC --group G [--key K]
//
// The parked records of event handlers (cairn/es/event_handler.h) in `TOPIC.dlq`: which are
// unresolved (parked entries minus resolved markers, per group and partition, as a handler
// rebuilds them), and a replay that copies them back onto TOPIC, oldest first per key, so the
// handler gets them in order once it is fixed.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "cairn/es/dead_letter_index.h"
#include "cairn/producer.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

constexpr const char* kDlqUsage =
    "usage: cairn dlq list TOPIC [--group G] [--json]\n"
    "       cairn dlq replay TOPIC --group G [--key K]\n";

// Empty polls in a row before the read gives up: the partitions' ends were captured first, so
// only an unreachable broker keeps the read from getting there.
constexpr int kIdlePollsMax = 50;

// group -> DLQ partition -> index.
using indexes = std::map<std::string, std::map<std::int32_t, es::dead_letter_index>>;

// Reads every partition of `dlq` up to the high watermarks taken at the start.
result<indexes> read_dlq(client& c, const std::string& dlq,
                         const std::optional<std::string>& only) {
  std::vector<std::string> topics{dlq};
  CAIRN_TRY(auto meta, c.metadata(topics));
  std::map<std::int32_t, std::int64_t> ends;
  std::vector<topic_partition> tps;
  for (const auto& t : meta.topics) {
    if (t.name != dlq) continue;
    if (t.error) return t.error;
    for (const auto& p : t.partitions) {
      if (p.high_watermark > p.log_start_offset) {
        ends[p.partition] = p.high_watermark;
        tps.push_back({dlq, p.partition});
      }
    }
  }
  indexes out;
  if (tps.empty()) return out;
  consumer reader(c, {});
  CAIRN_TRY(reader.try_assign(tps));
  CAIRN_TRY(reader.seek_to_beginning(tps));
  std::map<std::int32_t, std::int64_t> next;
  auto done = [&] {
    for (const auto& [p, end] : ends) {
      if (next[p] < end) return false;
    }
    return true;
  };
  for (int idle = 0; !done() && idle < kIdlePollsMax;) {
    CAIRN_TRY(auto records, reader.poll(200));
    idle = records.empty() ? idle + 1 : 0;
    for (const auto& r : records) {
      if (r.offset >= ends[r.partition]) continue;
      next[r.partition] = r.offset + 1;
      auto decoded = es::decode_dead_letter(r);
      std::string group;
      if (const auto* e = std::get_if<es::dead_letter_entry>(&decoded)) group = e->group;
      if (const auto* res = std::get_if<es::dead_letter_resolution>(&decoded)) group = res->group;
      if (group.empty() || (only && group != *only)) continue;
      auto& per_partition = out[group];
      auto it = per_partition.try_emplace(r.partition, group).first;
      it->second.apply(decoded);
    }
  }
  if (!done()) return sdk::errc::timed_out;
  return out;
}

std::string printable(const std::optional<std::string>& key) {
  return key ? *key : "(null)";
}

void print_entry_json(const std::string& group, const es::dead_letter_entry& e) {
  boost::json::object o;
  o["group"] = group;
  o["key"] = e.key ? boost::json::value(*e.key) : boost::json::value(nullptr);
  o["source_topic"] = e.source_topic;
  o["source_partition"] = e.source_partition;
  o["source_offset"] = e.source_offset;
  o["dlq_partition"] = e.dlq_partition;
  o["dlq_offset"] = e.dlq_offset;
  o["reason"] = std::string(es::to_string(e.reason));
  o["error"] = e.error;
  o["error_code"] = e.error_code;
  o["attempts"] = e.attempts;
  o["parked_at_ms"] = e.parked_at_ms;
  o["value"] = e.value ? boost::json::value(*e.value) : boost::json::value(nullptr);
  std::printf("%s\n", boost::json::serialize(o).c_str());
}

int list(client& c, const std::string& topic, const args& a) {
  auto dlq = topic + std::string(es::kDeadLetterSuffix);
  auto read = read_dlq(c, dlq, a.get("--group"));
  if (!read) {
    report("reading " + dlq, read.error());
    return kExitFailed;
  }
  bool json = a.flag("--json");
  if (!json) {
    std::printf("%-16s %-20s %-9s %-8s %-10s %-13s %-8s %-15s %s\n", "GROUP", "KEY", "PARTITION",
                "OFFSET", "DLQ-OFFSET", "REASON", "ATTEMPTS", "PARKED-AT-MS", "ERROR");
  }
  for (const auto& [group, partitions] : read.value()) {
    for (const auto& [partition, index] : partitions) {
      for (const auto& e : index.unresolved()) {
        if (json) {
          print_entry_json(group, e);
          continue;
        }
        std::printf("%-16s %-20s %-9d %-8lld %-10lld %-13s %-8d %-15lld %s\n", group.c_str(),
                    printable(e.key).c_str(), e.source_partition,
                    static_cast<long long>(e.source_offset), static_cast<long long>(e.dlq_offset),
                    std::string(es::to_string(e.reason)).c_str(), e.attempts,
                    static_cast<long long>(e.parked_at_ms), e.error.c_str());
      }
    }
  }
  std::fflush(stdout);
  return kExitOk;
}

int replay(client& c, const std::string& topic, const args& a) {
  auto group = a.get("--group");
  if (!group) {
    std::fputs(kDlqUsage, stderr);
    return kExitUsage;
  }
  auto dlq = topic + std::string(es::kDeadLetterSuffix);
  auto read = read_dlq(c, dlq, group);
  if (!read) {
    report("reading " + dlq, read.error());
    return kExitFailed;
  }
  auto key = a.get("--key");
  auto p = producer::create(c);
  if (!p) {
    report("producer", p.error());
    return kExitFailed;
  }
  std::vector<std::future<delivery_result>> sent;
  for (const auto& [partition, index] : read.value()[*group]) {
    // A key's entries in their order; the producer keeps one partition's records in order.
    auto entries = key ? index.unresolved(std::optional<std::string>(*key)) : index.unresolved();
    for (const auto& e : entries)
      sent.push_back(p.value()->send(es::encode_replay(e)));
  }
  if (auto flushed = p.value()->flush(); !flushed) {
    report("replaying to " + topic, flushed.error());
    return kExitFailed;
  }
  for (auto& f : sent) {
    auto r = f.get();
    if (!r) {
      report("replaying to " + topic, r.error());
      return kExitFailed;
    }
  }
  std::printf("replayed %zu parked record(s) of group %s to %s\n", sent.size(), group->c_str(),
              topic.c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

int dlq_command(client& c, const std::vector<std::string>& words) {
  args a(words, {"--group", "--key"});
  if (!a.error().empty() || a.positional().size() != 2) {
    if (!a.error().empty()) std::fprintf(stderr, "cairn dlq: %s\n", a.error().c_str());
    std::fputs(kDlqUsage, stderr);
    return kExitUsage;
  }
  const auto& sub = a.positional()[0];
  const auto& topic = a.positional()[1];
  if (sub == "list") return list(c, topic, a);
  if (sub == "replay") return replay(c, topic, a);
  std::fputs(kDlqUsage, stderr);
  return kExitUsage;
}

}  // namespace cairn::cli
