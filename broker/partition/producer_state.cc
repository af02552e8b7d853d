#include "broker/partition/producer_state.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "broker/errc.h"

namespace cairn::broker {

std::int32_t last_sequence_of(const eventstore::batch_header& h) {
  std::int64_t last = static_cast<std::int64_t>(h.base_sequence) + h.last_offset_delta;
  constexpr std::int64_t kWrap = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;
  return static_cast<std::int32_t>(last % kWrap);
}

namespace {

std::int32_t next_sequence(std::int32_t sequence) {
  return sequence == std::numeric_limits<std::int32_t>::max() ? 0 : sequence + 1;
}

}  // namespace

result<std::optional<appended_batch>> producer_state_table::check(
    const eventstore::batch_header& h) const {
  if (h.producer_id < 0) return std::optional<appended_batch>{};
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end()) {
    if (h.base_sequence != 0) return errc::out_of_order_sequence;
    return std::optional<appended_batch>{};
  }
  const producer& p = it->second;
  if (h.producer_epoch < p.epoch) return errc::invalid_producer_epoch;
  if (h.producer_epoch > p.epoch) {
    if (h.base_sequence != 0) return errc::out_of_order_sequence;
    return std::optional<appended_batch>{};
  }
  std::int32_t last = last_sequence_of(h);
  for (const appended_batch& b : p.batches) {
    if (b.first_sequence == h.base_sequence && b.last_sequence == last) {
      return std::optional<appended_batch>{b};
    }
  }
  if (!p.batches.empty() && h.base_sequence != next_sequence(p.batches.back().last_sequence)) {
    return errc::out_of_order_sequence;
  }
  return std::optional<appended_batch>{};
}

void producer_state_table::record(const eventstore::batch_header& h, std::int64_t base_offset) {
  if (h.producer_id < 0) return;
  auto [it, inserted] = producers_.try_emplace(h.producer_id);
  producer& p = it->second;
  if (inserted || h.producer_epoch != p.epoch) {
    p.epoch = h.producer_epoch;
    p.batches.clear();
  }
  p.batches.push_back({h.base_sequence, last_sequence_of(h), base_offset,
                       base_offset + h.last_offset_delta, h.max_timestamp});
  while (p.batches.size() > kCachedBatchesMax)
    p.batches.pop_front();
  if (inserted) evict_if_full();
}

void producer_state_table::evict_if_full() {
  if (producers_.size() <= producers_max_) return;
  // Forget the least recently appending tenth at once, so that eviction costs O(log n) per
  // insert amortised rather than a full scan for every new producer id.
  std::vector<std::pair<std::int64_t, std::int64_t>> by_age;  // (last offset, producer id)
  by_age.reserve(producers_.size());
  for (const auto& [id, p] : producers_)
    by_age.emplace_back(p.batches.back().last_offset, id);
  std::size_t victims = std::max<std::size_t>(1, producers_.size() / 10);
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(victims - 1),
                   by_age.end());
  for (std::size_t i = 0; i < victims; ++i)
    producers_.erase(by_age[i].second);
}

}  // namespace cairn::broker
