// When the log calls fdatasync: after every append (`always`, with group commit so concurrent
// appends share one sync), at most every MS milliseconds (`interval:MS`), or never (`never`: the
// page cache and, later, replication carry durability — Kafka's default).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/base/result.h"

namespace cairn::eventstore {

struct flush_policy {
  enum class kind { always, interval, never };
  kind mode = kind::never;
  std::int64_t interval_ms = 0;  // only for kind::interval

  static flush_policy always() { return {kind::always, 0}; }
  static flush_policy never() { return {kind::never, 0}; }
  static flush_policy every(std::int64_t ms) { return {kind::interval, ms}; }

  // Parses "always", "never" or "interval:MS" (MS a positive integer).
  static result<flush_policy> parse(std::string_view text);
  std::string to_string() const;

  bool operator==(const flush_policy&) const = default;
};

}  // namespace cairn::eventstore
