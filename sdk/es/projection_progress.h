// Progress of a rebuild: rate and ETA from the records applied so far, drawn as one
// self-overwriting line on stderr, and only when stderr is a terminal (logs and CI stay clean).
#pragma once

#include <chrono>
#include <cstdint>

#include "cairn/es/projection.h"

namespace cairn::es {

class progress_meter {
 public:
  progress_meter(std::int64_t records_total, bool terminal);
  ~progress_meter();  // ends the line it drew, if any

  // Records applied so far; redraws at most every 100 ms.
  const rebuild_progress& update(std::int64_t records_applied);

 private:
  using clock = std::chrono::steady_clock;
  clock::time_point start_ = clock::now();
  clock::time_point drawn_{};
  bool terminal_ = false;
  bool drew_ = false;
  rebuild_progress progress_;
};

}  // namespace cairn::es
