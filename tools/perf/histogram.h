// A log-linear latency histogram (64 powers of two x 16 linear sub-buckets, <= 6.25% error):
// constant memory whatever the run length, percentiles read back from bucket bounds.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace cairn::perf {

class histogram {
 public:
  void record(std::uint64_t value) {
    ++buckets_[index_of(value)];
    ++count_;
    if (value > max_) max_ = value;
  }
  void merge(const histogram& other) {
    for (std::size_t i = 0; i < buckets_.size(); ++i)
      buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    if (other.max_ > max_) max_ = other.max_;
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  // The upper bound of the bucket holding the q-quantile (0 < q <= 1); 0 when empty.
  std::uint64_t quantile(double q) const {
    if (count_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen >= rank) return std::min(upper_bound_of(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int kSubBits = 4;  // 16 linear sub-buckets per power of two
  static std::size_t index_of(std::uint64_t v) {
    if (v < (1u << kSubBits)) return static_cast<std::size_t>(v);
    int top = 63 - std::countl_zero(v);  // >= kSubBits
    int shift = top - kSubBits;
    auto sub = static_cast<std::size_t>((v >> shift) & ((1u << kSubBits) - 1));
    return static_cast<std::size_t>(shift + 1) * (1u << kSubBits) + sub;
  }
  static std::uint64_t upper_bound_of(std::size_t i) {
    if (i < (1u << kSubBits)) return i;
    std::size_t shift = i / (1u << kSubBits) - 1;
    std::uint64_t sub = i % (1u << kSubBits);
    return (((1ull << kSubBits) + sub + 1) << shift) - 1;
  }
  std::array<std::uint64_t, 64 * (1 << kSubBits)> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace cairn::perf
