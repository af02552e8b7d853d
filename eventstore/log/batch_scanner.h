// batch_scanner: reads a segment file front to back through a large buffer and hands out validated
// batches (length, magic, CRC32C, record framing). Recovery, index rebuilds, compaction and log
// scans all go through it, so there is one definition of "a valid batch on disk".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cairn/base/result.h"
#include "eventstore/log/file.h"
#include "eventstore/record/record_batch.h"

namespace cairn::eventstore {

class batch_scanner {
 public:
  static constexpr std::size_t kReadChunkBytes = 1 << 20;

  // Scans [start_position, end_position) of `f`. The file must outlive the scanner.
  batch_scanner(const file& f, std::int64_t start_position, std::int64_t end_position,
                std::int32_t batch_bytes_max);

  // The next batch, or nullopt at end_position. An eventstore errc when the bytes at position()
  // are not a whole valid batch (a torn or corrupt tail); a system error when reading fails.
  // The view stays valid until the next call.
  result<std::optional<record_batch_view>> next();

  // The header of the next batch, checking only that its length is sane and that the whole batch
  // is there: for walks over batches that were validated when they were written or recovered.
  result<std::optional<batch_header>> next_header();

  // Where the next batch starts (after the last one returned).
  std::int64_t position() const { return position_; }

 private:
  // Makes at least `bytes` from position_ available in buffer_ (fewer at the end of the range).
  result<void> fill(std::size_t bytes);

  const file& file_;
  std::int64_t position_;
  std::int64_t end_position_;
  std::int32_t batch_bytes_max_;
  std::string buffer_;
  std::size_t buffer_start_ = 0;  // buffer_[buffer_start_] is the byte at position_
  std::size_t buffer_end_ = 0;
};

}  // namespace cairn::eventstore
