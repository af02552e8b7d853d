// log_limiter: at most `lines_max` log lines per window, so that a misbehaving peer (a flood of
// bad messages, a refusing broker) cannot fill the disk with logs or slow the I/O thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace cairn::peer {

class log_limiter {
 public:
  using clock = std::chrono::steady_clock;

  explicit log_limiter(std::uint32_t lines_max = 10,
                       std::chrono::milliseconds window = std::chrono::seconds(10)) noexcept
      : lines_max_(lines_max), window_(window) {}

  // True when a line may be logged now. `suppressed` is then the number of lines refused since
  // the last one allowed (worth a "(N more suppressed)"), and the count restarts.
  bool allow(std::uint64_t& suppressed, clock::time_point now = clock::now()) noexcept {
    if (now - window_start_ >= window_) {
      window_start_ = now;
      lines_ = 0;
    }
    if (lines_ >= lines_max_) {
      ++suppressed_;
      return false;
    }
    ++lines_;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  std::uint32_t lines_max_;
  clock::duration window_;
  clock::time_point window_start_{};
  std::uint32_t lines_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace cairn::peer
