#include "broker/partition/producer_id_allocator.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>

#include "cairn/base/assert.h"
#include "eventstore/log/file.h"

namespace cairn::broker {
namespace {

constexpr std::string_view kFileName = "producer_ids";
constexpr std::int64_t kFormatVersion = 1;

// "1 <used_end>\n"; nullopt for anything else.
std::optional<std::int64_t> parse_used_end(std::string_view text) {
  std::int64_t version = 0;
  std::int64_t used_end = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto v = std::from_chars(p, end, version);
  if (v.ec != std::errc{} || version != kFormatVersion || v.ptr == end || *v.ptr != ' ') {
    return std::nullopt;
  }
  auto u = std::from_chars(v.ptr + 1, end, used_end);
  if (u.ec != std::errc{} || used_end < 0 || u.ptr + 1 != end || *u.ptr != '\n') {
    return std::nullopt;
  }
  return used_end;
}

}  // namespace

result<std::unique_ptr<producer_id_allocator>> producer_id_allocator::open(options opts) {
  if (opts.block_size < 1 || opts.dir.empty()) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::error_code ec;
  std::filesystem::create_directories(opts.dir, ec);
  if (ec) return ec;
  const std::string path = opts.dir + "/" + std::string(kFileName);
  std::int64_t used_end = 0;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return std::make_error_code(std::errc::io_error);
    auto parsed = parse_used_end(text.str());
    if (!parsed) {
      spdlog::error("{}: not a producer id file this broker wrote", path);
      return std::make_error_code(std::errc::invalid_argument);
    }
    used_end = *parsed;
  }
  if (ec) return ec;
  return std::unique_ptr<producer_id_allocator>(
      new producer_id_allocator(std::move(opts), used_end));
}

producer_id_allocator::producer_id_allocator(options opts, std::int64_t used_end)
    : options_(std::move(opts)),
      path_(options_.dir + "/" + std::string(kFileName)),
      used_end_(used_end),
      // No block yet: the ids of the block the file names may have been handed out before.
      next_(used_end),
      block_end_(used_end) {}

std::int64_t producer_id_allocator::used_end() const {
  std::lock_guard lock(mu_);
  return used_end_;
}

result<void> producer_id_allocator::take_block_locked() {
  producer_id_block block{used_end_, options_.block_size};
  if (options_.source) {
    CAIRN_TRY(auto granted, options_.source(used_end_, options_.wait));
    block = granted;
    // The source's contract: a block at or above what this broker used, never an old one.
    CAIRN_ASSERT(block.first >= used_end_, "producer id block at {} below the used end {}",
                 block.first, used_end_);
    CAIRN_ASSERT(block.count > 0, "empty producer id block at {}", block.first);
  }
  CAIRN_ASSERT(block.end() > block.first, "producer id block {}+{} overflows", block.first,
               block.count);
  // Durable before the first id of the block leaves this broker: a restart starts above it.
  CAIRN_TRY(eventstore::write_file_atomically(
      path_, std::to_string(kFormatVersion) + " " + std::to_string(block.end()) + "\n"));
  used_end_ = block.end();
  next_ = block.first;
  block_end_ = block.end();
  return success();
}

result<std::int64_t> producer_id_allocator::allocate_locked() {
  if (next_ == block_end_) {
    CAIRN_TRY(take_block_locked());
  }
  CAIRN_ASSERT(next_ < block_end_, "next producer id {} at block end {}", next_, block_end_);
  CAIRN_ASSERT(block_end_ <= used_end_, "block end {} past the persisted end {}", block_end_,
               used_end_);
  return next_++;
}

result<std::int64_t> producer_id_allocator::allocate() {
  std::lock_guard lock(mu_);
  CAIRN_TRY(auto id, allocate_locked());
  remember_locked(id, 0);
  return id;
}

result<producer_identity_grant> producer_id_allocator::init(std::int64_t producer_id,
                                                            std::int16_t epoch) {
  std::lock_guard lock(mu_);
  if (producer_id >= 0 && epoch >= 0) {
    auto it = epochs_.find(producer_id);
    // KIP-360: the producer's current identity, as handed out here, gets its epoch bumped; a
    // spent epoch (the next bump would overflow) gets a new id instead, as Kafka does.
    if (it != epochs_.end() && it->second == epoch &&
        epoch < std::numeric_limits<std::int16_t>::max() - 1) {
      it->second = static_cast<std::int16_t>(epoch + 1);
      return producer_identity_grant{producer_id, it->second};
    }
  }
  CAIRN_TRY(auto id, allocate_locked());
  remember_locked(id, 0);
  return producer_identity_grant{id, 0};
}

void producer_id_allocator::remember_locked(std::int64_t id, std::int16_t epoch) {
  if (options_.epochs_max == 0) return;
  if (epochs_.size() >= options_.epochs_max) {
    epochs_.erase(epoch_order_.front());
    epoch_order_.pop_front();
  }
  epochs_[id] = epoch;
  epoch_order_.push_back(id);
}

}  // namespace cairn::broker
