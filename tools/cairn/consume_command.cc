// cairn consume TOPIC: prints records; stops after -n records or when a poll of --timeout-ms
// brings nothing new. With -g GROUP it joins a consumer group instead (group_consume.cc).
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>

#include "cairn/consumer.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

std::string to_json(const consumer_record& r) {
  boost::json::object o;
  o["topic"] = r.topic;
  o["partition"] = r.partition;
  o["offset"] = r.offset;
  o["timestamp"] = r.timestamp_ms;
  o["timestamp_type"] = r.log_append_time ? "LogAppendTime" : "CreateTime";
  o["key"] = r.key ? boost::json::value(*r.key) : boost::json::value(nullptr);
  o["value"] = r.value ? boost::json::value(*r.value) : boost::json::value(nullptr);
  boost::json::object headers;
  for (const auto& h : r.headers) {
    headers[h.key] = h.value ? boost::json::value(*h.value) : boost::json::value(nullptr);
  }
  o["headers"] = std::move(headers);
  return boost::json::serialize(o);
}

}  // namespace

void print_record(const consumer_record& r, const std::string& format) {
  if (format == "json") {
    std::printf("%s\n", to_json(r).c_str());
  } else {
    std::fwrite(r.value ? r.value->data() : "", 1, r.value ? r.value->size() : 0, stdout);
    std::fputc('\n', stdout);
  }
}

int consume_command(client& c, const std::vector<std::string>& words) {
  args a(words,
         {"-p", "--partition", "-o", "--offset", "-n", "--max", "--format", "--timeout-ms", "-g",
          "--group", "--session-timeout-ms", "--instance-id", "--assignor", "--reset"});
  if (!a.error().empty() || a.positional().size() != 1) {
    std::fprintf(stderr, "cairn consume: %s\n",
                 a.error().empty() ? "usage: cairn consume TOPIC [options]" : a.error().c_str());
    return kExitUsage;
  }
  const std::string topic = a.positional()[0];
  std::string format = a.get("--format").value_or("value");
  if (format != "value" && format != "json") {
    std::fprintf(stderr, "cairn consume: --format wants value or json\n");
    return kExitUsage;
  }
  auto max = parse_int(a.get("-n").value_or(a.get("--max").value_or("-1")));
  auto timeout = parse_int(a.get("--timeout-ms").value_or("5000"));
  if (!max || !timeout || *timeout < 0) {
    std::fprintf(stderr, "cairn consume: -n and --timeout-ms want numbers\n");
    return kExitUsage;
  }

  if (auto group = a.get("-g") ? a.get("-g") : a.get("--group")) {
    if (a.get("-p") || a.get("--partition") || a.get("-o") || a.get("--offset")) {
      std::fprintf(stderr,
                   "cairn consume: -g takes its partitions and offsets from the group "
                   "(-p and -o are for reading without one)\n");
      return kExitUsage;
    }
    group_consume_options o{.topic = topic, .group = *group, .format = format, .max = *max};
    if (a.get("--timeout-ms")) o.idle_timeout_ms = *timeout;
    std::string reset = a.get("--reset").value_or("earliest");
    if (reset != "earliest" && reset != "latest") {
      std::fprintf(stderr, "cairn consume: --reset wants earliest or latest\n");
      return kExitUsage;
    }
    o.reset = reset == "earliest" ? offset_reset::earliest : offset_reset::latest;
    auto session = parse_int(a.get("--session-timeout-ms").value_or("45000"));
    if (!session || *session <= 0 || *session > INT32_MAX) {
      std::fprintf(stderr, "cairn consume: --session-timeout-ms wants milliseconds\n");
      return kExitUsage;
    }
    o.session_timeout_ms = static_cast<std::int32_t>(*session);
    o.instance_id = a.get("--instance-id");
    o.assignors = a.all("--assignor");
    return group_consume(c, o);
  }

  auto count = c.partition_count(topic);
  if (!count) {
    report("topic " + topic, count.error());
    return kExitFailed;
  }
  std::vector<topic_partition> tps;
  if (auto p = a.get("-p") ? a.get("-p") : a.get("--partition")) {
    auto id = parse_int(*p);
    if (!id || *id < 0 || *id >= count.value()) {
      std::fprintf(stderr, "cairn consume: -p wants a partition 0..%d\n", count.value() - 1);
      return kExitUsage;
    }
    tps.push_back({topic, static_cast<std::int32_t>(*id)});
  } else {
    for (std::int32_t i = 0; i < count.value(); ++i)
      tps.push_back({topic, i});
  }

  consumer cons(c);
  cons.assign(tps);
  std::string from = a.get("-o").value_or(a.get("--offset").value_or("beginning"));
  result<void> positioned = success();
  if (from == "beginning") {
    positioned = cons.seek_to_beginning(tps);
  } else if (from == "end") {
    positioned = cons.seek_to_end(tps);
  } else if (from.starts_with("@")) {
    auto ts = parse_int(from.substr(1));
    if (!ts) {
      std::fprintf(stderr, "cairn consume: -o @TIMESTAMP_MS wants milliseconds\n");
      return kExitUsage;
    }
    for (const auto& tp : tps) {
      positioned = cons.seek_to_timestamp(tp, *ts);
      if (!positioned) break;
    }
  } else if (auto offset = parse_int(from); offset && *offset >= 0) {
    for (const auto& tp : tps) {
      positioned = cons.seek(tp, *offset);
      if (!positioned) break;
    }
  } else {
    std::fprintf(stderr, "cairn consume: -o wants beginning, end, OFFSET or @TIMESTAMP_MS\n");
    return kExitUsage;
  }
  if (!positioned) {
    report("position the consumer", positioned.error());
    return kExitFailed;
  }

  // Records on a terminal are their own progress; when they go to a pipe or a file, a counter
  // on a terminal's stderr shows that the command is alive.
  const bool progress = progress_wanted() && ::isatty(STDOUT_FILENO) != 1;
  std::int64_t printed = 0;
  std::int64_t shown = 0;
  while (*max < 0 || printed < *max) {
    auto records = cons.poll(*timeout);
    if (!records) {
      report("poll", records.error());
      return kExitFailed;
    }
    if (records.value().empty()) break;  // nothing new within the timeout
    for (const consumer_record& r : records.value()) {
      print_record(r, format);
      if (++printed == *max) break;
    }
    std::fflush(stdout);
    if (progress && printed - shown >= 10'000) {
      shown = printed;
      std::fprintf(stderr, "\rconsumed %lld", static_cast<long long>(printed));
    }
  }
  if (shown > 0) std::fprintf(stderr, "\rconsumed %lld\n", static_cast<long long>(printed));
  return kExitOk;
}

}  // namespace cairn::cli
