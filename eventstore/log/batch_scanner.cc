#include "eventstore/log/batch_scanner.h"

#include <algorithm>
#include <cstring>

#include "eventstore/errc.h"

namespace cairn::eventstore {

batch_scanner::batch_scanner(const file& f, std::int64_t start_position, std::int64_t end_position,
                             std::int32_t batch_bytes_max)
    : file_(f),
      position_(start_position),
      end_position_(end_position),
      batch_bytes_max_(batch_bytes_max) {}

result<void> batch_scanner::fill(std::size_t bytes) {
  std::size_t available = buffer_end_ - buffer_start_;
  auto remaining_in_range = static_cast<std::size_t>(end_position_ - position_);
  bytes = std::min(bytes, remaining_in_range);
  if (available >= bytes) return success();

  // Move what is left to the front, grow if one batch needs more, then read a chunk.
  std::size_t wanted = std::max(bytes, kReadChunkBytes);
  if (buffer_.size() < wanted) {
    std::string grown(wanted, '\0');
    std::memcpy(grown.data(), buffer_.data() + buffer_start_, available);
    buffer_ = std::move(grown);
  } else {
    std::memmove(buffer_.data(), buffer_.data() + buffer_start_, available);
  }
  buffer_start_ = 0;
  buffer_end_ = available;
  std::size_t to_read = std::min(buffer_.size() - available, remaining_in_range - available);
  CAIRN_TRY(auto n, file_.pread(position_ + static_cast<std::int64_t>(available),
                                buffer_.data() + available, to_read));
  buffer_end_ += n;
  return success();
}

result<std::optional<record_batch_view>> batch_scanner::next() {
  if (position_ >= end_position_) return std::optional<record_batch_view>{};
  CAIRN_TRY(fill(batch_layout::kHeaderSize));
  std::string_view available(buffer_.data() + buffer_start_, buffer_end_ - buffer_start_);
  auto size = peek_batch_size(available);
  if (!size)
    return available.size() < batch_layout::kLogOverhead ? errc::batch_too_short
                                                         : errc::batch_length_invalid;
  if (*size > batch_bytes_max_) return errc::batch_length_invalid;
  CAIRN_TRY(fill(static_cast<std::size_t>(*size)));
  available = std::string_view(buffer_.data() + buffer_start_, buffer_end_ - buffer_start_);
  CAIRN_TRY(auto batch, record_batch_view::parse(available, batch_bytes_max_));
  buffer_start_ += batch.size_bytes();
  position_ += static_cast<std::int64_t>(batch.size_bytes());
  return std::optional<record_batch_view>(batch);
}

result<std::optional<batch_header>> batch_scanner::next_header() {
  if (position_ >= end_position_) return std::optional<batch_header>{};
  CAIRN_TRY(fill(batch_layout::kHeaderSize));
  std::string_view available(buffer_.data() + buffer_start_, buffer_end_ - buffer_start_);
  if (available.size() < batch_layout::kHeaderSize) return errc::batch_too_short;
  batch_header h = batch_header::read(available.data());
  if (h.batch_length <
          static_cast<std::int32_t>(batch_layout::kHeaderSize - batch_layout::kLogOverhead) ||
      h.size_bytes() > batch_bytes_max_ || position_ + h.size_bytes() > end_position_) {
    return errc::batch_length_invalid;
  }
  // Skip the body without reading it into the buffer when it is not there already.
  auto size = static_cast<std::size_t>(h.size_bytes());
  if (buffer_end_ - buffer_start_ >= size) {
    buffer_start_ += size;
  } else {
    buffer_start_ = buffer_end_ = 0;
  }
  position_ += h.size_bytes();
  return std::optional<batch_header>(h);
}

}  // namespace cairn::eventstore
