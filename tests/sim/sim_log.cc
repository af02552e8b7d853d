#include "tests/sim/sim_log.h"

#include <fmt/format.h>

#include <algorithm>

#include "cairn/base/assert.h"

namespace cairn::raft::sim {

void ledger::check(const entry& e, term_id prev_term, node_id who) {
  const auto key = std::make_pair(e.last_offset.value(), e.term.value());
  auto [it, inserted] = batches_.try_emplace(key, seen{e, prev_term, who});
  if (inserted) return;
  const seen& s = it->second;
  if (s.batch == e && s.prev_term == prev_term) return;
  throw sim_failure{fmt::format(
      "log matching: n{} appended batch [{}, {}] term {} (prev term {}, {} records '{}') but n{} "
      "holds [{}, {}] term {} (prev term {}, '{}')",
      who, e.base_offset, e.last_offset, e.term, prev_term, e.last_offset - e.base_offset + 1,
      e.records, s.first, s.batch.base_offset, s.batch.last_offset, s.batch.term, s.prev_term,
      s.batch.records)};
}

sim_log::sim_log(node_id owner, ledger& ledger, configuration base_config)
    : owner_(owner), ledger_(ledger), base_config_(std::move(base_config)) {}

log_offset sim_log::end_offset() const {
  return entries_.empty() ? start_ : entries_.back().end_offset();
}

std::size_t sim_log::index_of(log_offset o) const {
  CAIRN_ASSERT(o >= start_ && o < end_offset(), "offset {} outside [{}, {})", o, start_,
               end_offset());
  auto it = std::lower_bound(entries_.begin(), entries_.end(), o,
                             [](const entry& e, log_offset x) { return e.last_offset < x; });
  CAIRN_ASSERT(it != entries_.end() && it->base_offset <= o, "no batch holds {}", o);
  return static_cast<std::size_t>(it - entries_.begin());
}

term_id sim_log::term_at(log_offset o) const {
  if (o == start_ - 1) return start_term_;
  return entries_[index_of(o)].term;
}

batch_info sim_log::batch_at(log_offset o) const {
  const entry& e = entries_[index_of(o)];
  return {e.base_offset, e.last_offset, e.term};
}

std::vector<entry> sim_log::read(log_offset from, std::size_t batches_max) const {
  std::vector<entry> out;
  if (from == end_offset()) return out;
  std::size_t i = index_of(from);
  CAIRN_ASSERT(entries_[i].base_offset == from, "read at {}: not a batch boundary", from);
  for (; i < entries_.size() && out.size() < batches_max; ++i)
    out.push_back(entries_[i]);
  return out;
}

configuration sim_log::config_at(log_offset o) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->kind == entry_kind::config && it->last_offset < o) return it->config;
  }
  return base_config_;
}

log_offset sim_log::config_offset() const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->kind == entry_kind::config) return it->last_offset;
  }
  return start_ - 1;
}

void sim_log::append(const entry& e) {
  CAIRN_ASSERT(e.base_offset == end_offset(), "append at {} to a log ending at {}", e.base_offset,
               end_offset());
  CAIRN_ASSERT(e.last_offset >= e.base_offset, "batch [{}, {}]", e.base_offset, e.last_offset);
  ledger_.check(e, term_at(e.base_offset - 1), owner_);
  entries_.push_back(e);
}

void sim_log::truncate(log_offset from) {
  CAIRN_ASSERT(from >= start_, "truncate at {} below start {}", from, start_);
  if (from == end_offset()) return;
  const std::size_t i = index_of(from);
  CAIRN_ASSERT(entries_[i].base_offset == from, "truncate at {}: not a batch boundary", from);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i), entries_.end());
  durable_end_ = std::min(durable_end_, from);
}

void sim_log::reset(log_offset start, term_id prev_term, const configuration& config) {
  entries_.clear();
  start_ = start;
  start_term_ = prev_term;
  base_config_ = config;
  durable_end_ = start;
}

void sim_log::crash() {
  while (!entries_.empty() && entries_.back().end_offset() > durable_end_)
    entries_.pop_back();
  CAIRN_ASSERT(end_offset() == durable_end_, "durable end {} inside a batch (end {})", durable_end_,
               end_offset());
}

void sim_log::truncate_prefix(log_offset start) {
  if (start <= start_) return;
  const std::size_t i = start == end_offset() ? entries_.size() : index_of(start);
  CAIRN_ASSERT(i == entries_.size() || entries_[i].base_offset == start,
               "retention at {}: not a batch boundary", start);
  base_config_ = config_at(start);
  start_term_ = term_at(start - 1);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i));
  start_ = start;
  durable_end_ = std::max(durable_end_, start);
}

bool sim_log::holds(const entry& e) const {
  if (e.base_offset < start_ || e.last_offset >= end_offset()) return false;
  return entries_[index_of(e.base_offset)] == e;
}

}  // namespace cairn::raft::sim
