// Log bounds from Metadata and the lag arithmetic shared by projections and event handlers.
#include "sdk/es/lag_source.h"

#include <algorithm>
#include <set>

namespace cairn::es {

result<bounds_by_partition> log_bounds_of(client& c, std::vector<std::string> topics) {
  CAIRN_TRY(auto meta, c.metadata(topics));
  bounds_by_partition out;
  for (const auto& t : meta.topics) {
    if (std::find(topics.begin(), topics.end(), t.name) == topics.end()) continue;
    if (t.error) return t.error;
    for (const auto& p : t.partitions) {
      if (p.error) return p.error;
      out[topic_partition{t.name, p.partition}] = {std::max<std::int64_t>(p.log_start_offset, 0),
                                                   std::max<std::int64_t>(p.high_watermark, 0)};
    }
  }
  return out;
}

result<bounds_by_partition> log_bounds_of(client& c,
                                          const std::vector<topic_partition>& partitions) {
  std::set<std::string> names;
  for (const auto& tp : partitions)
    names.insert(tp.topic);
  CAIRN_TRY(auto all, log_bounds_of(c, std::vector<std::string>(names.begin(), names.end())));
  bounds_by_partition out;
  for (const auto& tp : partitions) {
    auto it = all.find(tp);
    // A partition the topic does not have: a configuration error, answered as the broker would.
    if (it == all.end()) return std::make_error_code(std::errc::invalid_argument);
    out.insert(*it);
  }
  return out;
}

lag_report lag_between(const bounds_by_partition& bounds,
                       const std::map<topic_partition, std::int64_t>& committed) {
  lag_report report;
  for (const auto& [tp, b] : bounds) {
    partition_lag p;
    p.partition = tp;
    auto it = committed.find(tp);
    p.committed = it == committed.end() ? b.log_start : std::max(it->second, b.log_start);
    p.high_watermark = b.high_watermark;
    p.lag = std::max<std::int64_t>(b.high_watermark - p.committed, 0);
    report.total += p.lag;
    report.partitions.push_back(std::move(p));
  }
  return report;
}

bool reached(const bounds_by_partition& targets,
             const std::map<topic_partition, std::int64_t>& committed) {
  return lag_between(targets, committed).caught_up();
}

}  // namespace cairn::es
