// The rebuild's progress line (see projection_progress.h).
#include "sdk/es/projection_progress.h"

#include <unistd.h>

#include <cstdio>

namespace cairn::es {

progress_meter::progress_meter(std::int64_t records_total, bool terminal)
    : terminal_(terminal && ::isatty(STDERR_FILENO) == 1) {
  progress_.records_total = records_total;
}

progress_meter::~progress_meter() {
  if (drew_) std::fputc('\n', stderr);
}

const rebuild_progress& progress_meter::update(std::int64_t records_applied) {
  auto now = clock::now();
  double elapsed_s = std::chrono::duration<double>(now - start_).count();
  progress_.records_applied = records_applied;
  progress_.records_per_s = elapsed_s > 0 ? static_cast<double>(records_applied) / elapsed_s : 0;
  auto left = progress_.records_total - records_applied;
  progress_.eta_s = progress_.records_per_s > 0 && left > 0
                        ? static_cast<double>(left) / progress_.records_per_s
                        : 0;
  if (terminal_ && now - drawn_ >= std::chrono::milliseconds(100)) {
    drawn_ = now;
    drew_ = true;
    std::fprintf(stderr, "\rrebuild: %lld/%lld records  %.0f records/s  ETA %.1f s   ",
                 static_cast<long long>(records_applied),
                 static_cast<long long>(progress_.records_total), progress_.records_per_s,
                 progress_.eta_s);
    std::fflush(stderr);
  }
  return progress_;
}

}  // namespace cairn::es
