// broker_metrics: the broker's counters and latency histograms, updated lock-free from any thread
// and rendered in Prometheus' text format (with each partition's offsets, read at scrape time).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::broker {

class topic_manager;

// A latency histogram with Prometheus' fixed, cumulative buckets (seconds).
class latency_histogram {
 public:
  static constexpr std::array<double, 17> kBoundsSeconds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};

  void record_us(std::int64_t micros);
  // Appends `# TYPE` and the _bucket/_sum/_count lines of `name` with `labels` (may be empty).
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsSeconds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

struct broker_metrics {
  // Indexed by the request's union ordinal (protocol::wire::Request::Which), as Kafka's per-API
  // request metrics.
  static constexpr std::size_t kKindsMax = 32;
  std::array<std::atomic<std::uint64_t>, kKindsMax> requests_total{};
  // Answered by the connection itself: a malformed frame or a kind this broker does not serve.
  std::array<std::atomic<std::uint64_t>, kKindsMax> requests_rejected_total{};
  std::atomic<std::uint64_t> bytes_in_total{0};
  std::atomic<std::uint64_t> bytes_out_total{0};
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_closed_bad_input_total{0};
  latency_histogram produce_latency;
  latency_histogram fetch_latency;
  latency_histogram append_to_stream_latency;

  void count_request(std::size_t kind, bool rejected) {
    if (kind >= kKindsMax) kind = kKindsMax - 1;
    requests_total[kind].fetch_add(1, std::memory_order_relaxed);
    if (rejected) requests_rejected_total[kind].fetch_add(1, std::memory_order_relaxed);
  }

  // The whole /metrics page.
  std::string render(const topic_manager& topics) const;
};

}  // namespace cairn::broker
