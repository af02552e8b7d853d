#include "broker/admin/metrics.h"

#include <fmt/format.h>

#include "broker/topics/topic_manager.h"
#include "protocol/cairn.capnp.h"

namespace cairn::broker {
namespace {

// Label values for request kinds, in the order of the Request union.
std::string_view kind_name(std::size_t kind) {
  using W = protocol::wire::Request;
  switch (static_cast<W::Which>(kind)) {
    case W::UNSET:
      return "unset";
    case W::HANDSHAKE:
      return "handshake";
    case W::METADATA:
      return "metadata";
    case W::CREATE_TOPICS:
      return "create_topics";
    case W::DELETE_TOPICS:
      return "delete_topics";
    case W::LIST_TOPICS:
      return "list_topics";
    case W::DESCRIBE_TOPICS:
      return "describe_topics";
    case W::PRODUCE:
      return "produce";
    case W::FETCH:
      return "fetch";
    case W::LIST_OFFSETS:
      return "list_offsets";
    case W::APPEND_TO_STREAM:
      return "append_to_stream";
    case W::READ_STREAM:
      return "read_stream";
    default:
      return "other";
  }
}

}  // namespace

void latency_histogram::record_us(std::int64_t micros) {
  if (micros < 0) micros = 0;
  double seconds = static_cast<double>(micros) / 1e6;
  std::size_t i = 0;
  while (i < kBoundsSeconds.size() && seconds > kBoundsSeconds[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
}

void latency_histogram::render(std::string& out, std::string_view name,
                               std::string_view labels) const {
  std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBoundsSeconds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, kBoundsSeconds[i],
                       cumulative);
  }
  cumulative += buckets_[kBoundsSeconds.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  std::string braced = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  out += fmt::format("{}_sum{} {}\n", name, braced,
                     static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("{}_count{} {}\n", name, braced, count_.load(std::memory_order_relaxed));
}

std::string broker_metrics::render(const topic_manager& topics) const {
  std::string out;
  out += "# HELP cairn_requests_total Requests received, by kind.\n";
  out += "# TYPE cairn_requests_total counter\n";
  for (std::size_t k = 0; k < kKindsMax; ++k) {
    if (auto n = requests_total[k].load(std::memory_order_relaxed); n > 0) {
      out += fmt::format("cairn_requests_total{{kind=\"{}\"}} {}\n", kind_name(k), n);
    }
  }
  out += "# HELP cairn_requests_rejected_total Requests refused unread (bad or unknown kind).\n";
  out += "# TYPE cairn_requests_rejected_total counter\n";
  for (std::size_t k = 0; k < kKindsMax; ++k) {
    if (auto n = requests_rejected_total[k].load(std::memory_order_relaxed); n > 0) {
      out += fmt::format("cairn_requests_rejected_total{{kind=\"{}\"}} {}\n", kind_name(k), n);
    }
  }
  out +=
      "# HELP cairn_bytes_in_total Bytes read from clients.\n# TYPE cairn_bytes_in_total counter\n";
  out += fmt::format("cairn_bytes_in_total {}\n", bytes_in_total.load());
  out +=
      "# HELP cairn_bytes_out_total Bytes written to clients.\n# TYPE cairn_bytes_out_total "
      "counter\n";
  out += fmt::format("cairn_bytes_out_total {}\n", bytes_out_total.load());
  out +=
      "# HELP cairn_connections_open Client connections open now.\n# TYPE cairn_connections_open "
      "gauge\n";
  out += fmt::format("cairn_connections_open {}\n", connections_open.load());
  out += "# HELP cairn_connections_closed_bad_input_total Connections closed for bad framing.\n";
  out += "# TYPE cairn_connections_closed_bad_input_total counter\n";
  out += fmt::format("cairn_connections_closed_bad_input_total {}\n",
                     connections_closed_bad_input_total.load());
  out += "# HELP cairn_produce_latency_seconds Produce request latency, including commit.\n";
  out += "# TYPE cairn_produce_latency_seconds histogram\n";
  produce_latency.render(out, "cairn_produce_latency_seconds", "");
  out += "# HELP cairn_fetch_latency_seconds Fetch request latency, including long-poll waits.\n";
  out += "# TYPE cairn_fetch_latency_seconds histogram\n";
  fetch_latency.render(out, "cairn_fetch_latency_seconds", "");
  out += "# HELP cairn_append_to_stream_latency_seconds AppendToStream latency.\n";
  out += "# TYPE cairn_append_to_stream_latency_seconds histogram\n";
  append_to_stream_latency.render(out, "cairn_append_to_stream_latency_seconds", "");

  out += "# HELP cairn_partition_log_end_offset The offset the next record will get.\n";
  out += "# TYPE cairn_partition_log_end_offset gauge\n";
  std::string hw =
      "# HELP cairn_partition_high_watermark The first offset not yet committed.\n"
      "# TYPE cairn_partition_high_watermark gauge\n";
  std::string start =
      "# HELP cairn_partition_log_start_offset The first offset still stored.\n"
      "# TYPE cairn_partition_log_start_offset gauge\n";
  for (const topic_config& c : topics.list()) {
    for (std::int32_t id = 0; id < c.partitions; ++id) {
      auto p = topics.get(c.name, id);
      if (!p) continue;
      std::string labels = fmt::format("topic=\"{}\",partition=\"{}\"", c.name, id);
      out += fmt::format("cairn_partition_log_end_offset{{{}}} {}\n", labels,
                         p.value()->log_end_offset());
      hw += fmt::format("cairn_partition_high_watermark{{{}}} {}\n", labels,
                        p.value()->high_watermark());
      start += fmt::format("cairn_partition_log_start_offset{{{}}} {}\n", labels,
                           p.value()->log_start_offset());
    }
  }
  return out + hw + start;
}

}  // namespace cairn::broker
