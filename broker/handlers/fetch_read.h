// One partition's part of a fetch, whichever front end asked, in two steps: what to send (the
// committed batches from an offset, within the partition's own limit and what remains of the
// response's budget), then the read of those bytes from the page cache straight into the
// response's buffer (one copy). Each front end writes its own response around them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

#include "broker/partition/partition.h"

namespace cairn::broker {

// Responses never grow past this whatever the client asks: it bounds the memory of one fetch.
inline constexpr std::int64_t kFetchBytesMax = 32 << 20;

// The response budget for a request's max bytes (<= 0: the client set none).
inline std::int64_t fetch_budget(std::int64_t requested_max_bytes) {
  return std::clamp<std::int64_t>(requested_max_bytes <= 0 ? kFetchBytesMax : requested_max_bytes,
                                  1, kFetchBytesMax);
}

struct partition_fetch {
  std::error_code error;
  std::int64_t high_watermark = -1;
  std::int64_t log_start_offset = -1;
  eventstore::file_range range;  // empty: nothing to send (no data, or the budget is spent)
};

// Once the budget is spent, later partitions send no records (Kafka's rule that the first batch
// always fits applies to the first partition with data only).
inline partition_fetch plan_partition_fetch(const partition& p, std::int64_t offset,
                                            std::int64_t partition_max_bytes, std::int64_t budget) {
  partition_fetch out;
  std::int64_t limit =
      partition_max_bytes <= 0 ? budget : std::min<std::int64_t>(partition_max_bytes, budget);
  auto fetched = p.fetch(offset, std::max<std::int64_t>(limit, 1));
  if (!fetched) {
    out.error = fetched.error();
    return out;
  }
  out.high_watermark = fetched.value().high_watermark;
  out.log_start_offset = fetched.value().log_start_offset;
  if (budget > 0) out.range = fetched.value().range;
  return out;
}

// Reads the planned bytes into `into` (range.size bytes).
inline std::error_code read_planned(const partition_fetch& planned, std::span<std::byte> into) {
  const eventstore::file_range& range = planned.range;
  auto n = range.source->pread(range.position, reinterpret_cast<char*>(into.data()), into.size());
  if (!n) return n.error();
  if (n.value() != into.size()) return std::make_error_code(std::errc::io_error);
  return {};
}

}  // namespace cairn::broker
