// cairn stream append|read TOPIC KEY
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <variant>

#include "cairn/streams.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

std::optional<std::int64_t> parse_expected(const std::string& text) {
  if (text == "any") return expected_version::any;
  if (text == "no-stream") return expected_version::no_stream;
  if (text == "exists") return expected_version::exists;
  auto n = parse_int(text);
  if (n && *n >= 0) return n;
  return std::nullopt;
}

int append(client& c, const args& a) {
  const std::string& topic = a.positional()[1];
  const std::string& key = a.positional()[2];
  auto expected_text = a.get("--expected-version");
  auto expected = expected_text ? parse_expected(*expected_text) : std::nullopt;
  if (!expected) {
    std::fprintf(stderr,
                 "cairn stream append: --expected-version wants any, no-stream, exists or N\n");
    return kExitUsage;
  }
  std::string type = a.get("-t").value_or(a.get("--type").value_or(""));
  std::vector<event_data> events;
  std::string line;
  while (std::getline(std::cin, line))
    events.push_back({type, line, {}});
  if (events.empty()) {
    std::fprintf(stderr, "cairn stream append: no events on stdin (one per line)\n");
    return kExitUsage;
  }
  streams s(c);
  auto outcome = s.append(topic, key, *expected, std::move(events));
  if (!outcome) {
    report("append to stream " + key, outcome.error());
    return kExitFailed;
  }
  if (auto* conflict = std::get_if<wrong_expected_version>(&outcome.value())) {
    std::fprintf(stderr,
                 "cairn: wrong expected version for stream %s: expected %s, the stream is at %lld"
                 " (-1: it does not exist); read it and retry\n",
                 key.c_str(), expected_text->c_str(), static_cast<long long>(conflict->actual));
    return kExitWrongExpectedVersion;
  }
  const appended& done = std::get<appended>(outcome.value());
  std::printf("%lld\n", static_cast<long long>(done.last_version));
  return kExitOk;
}

int read(client& c, const args& a) {
  const std::string& topic = a.positional()[1];
  const std::string& key = a.positional()[2];
  auto from = parse_int(a.get("--from-version").value_or("0"));
  std::string format = a.get("--format").value_or("value");
  if (!from || *from < 0 || (format != "value" && format != "json")) {
    std::fprintf(stderr, "cairn stream read: --from-version N (>= 0), --format value|json\n");
    return kExitUsage;
  }
  streams s(c);
  std::int64_t next = *from;
  for (int page = 0; page < 1'000'000; ++page) {  // bounded: a stream has finitely many pages
    auto slice = s.read(topic, key, next);
    if (!slice) {
      report("read stream " + key, slice.error());
      return kExitFailed;
    }
    for (const recorded_event& e : slice.value().events) {
      if (format == "json") {
        boost::json::object o;
        o["version"] = e.version;
        o["offset"] = e.offset;
        o["timestamp"] = e.timestamp_ms;
        o["type"] = e.type;
        o["data"] = e.data;
        std::printf("%s\n", boost::json::serialize(o).c_str());
      } else {
        std::printf("%s\n", e.data.c_str());
      }
      next = e.version + 1;
    }
    if (slice.value().events.empty() || next > slice.value().last_version) break;
  }
  return kExitOk;
}

}  // namespace

int stream_command(client& c, const std::vector<std::string>& words) {
  args a(words, {"--expected-version", "-t", "--type", "--from-version", "--format"});
  if (!a.error().empty() || a.positional().size() != 3 ||
      (a.positional()[0] != "append" && a.positional()[0] != "read")) {
    std::fprintf(stderr, "cairn stream: %s\n",
                 a.error().empty() ? "usage: cairn stream append|read TOPIC KEY [options]"
                                   : a.error().c_str());
    return kExitUsage;
  }
  return a.positional()[0] == "append" ? append(c, a) : read(c, a);
}

}  // namespace cairn::cli
