// The parked-key bookkeeping without a broker: a simulated DLQ partition (a vector of the
// records the handler would write) feeds dead_letter_index as the live handler does, and a
// fresh index rebuilt from the same records must reach the same state.
#include "cairn/es/dead_letter_index.h"

#include <catch2/catch.hpp>

#include "cairn/es/errc.h"

namespace es = cairn::es;
using es::verdict;

namespace {

cairn::consumer_record rec(std::int64_t offset, std::optional<std::string> key) {
  return {.topic = "orders",
          .partition = 0,
          .offset = offset,
          .timestamp_ms = 1000 + offset,
          .key = std::move(key),
          .value = "v" + std::to_string(offset),
          .headers = {{"type", "t"}}};
}

cairn::consumer_record as_read(const cairn::producer_record& p, std::int64_t offset) {
  cairn::consumer_record r{.topic = p.topic,
                           .partition = p.partition.value_or(0),
                           .offset = offset,
                           .timestamp_ms = p.timestamp_ms,
                           .key = p.key,
                           .value = p.value,
                           .headers = {}};
  for (const auto& h : p.headers)
    r.headers.push_back({h.key, h.value});
  return r;
}

// One DLQ partition and the live index of one group, written the way the handler writes them.
struct sim {
  std::string group = "g";
  std::vector<cairn::consumer_record> dlq;
  es::dead_letter_index index{group};

  std::int64_t write(const cairn::producer_record& p) {
    auto offset = static_cast<std::int64_t>(dlq.size());
    dlq.push_back(as_read(p, offset));
    index.apply(dlq.back());  // the handler applies what it wrote once acknowledged
    return offset;
  }
  std::int64_t park(const cairn::consumer_record& r, es::park_reason why,
                    std::optional<std::int64_t> replaces = std::nullopt) {
    std::error_code ec;
    if (why == es::park_reason::failed) ec = es::errc::malformed_event;
    auto e = es::parked_entry(r, group, why, ec, ec ? ec.message() : "", 3, 0, replaces);
    return write(es::encode_parked(r, e, "orders.dlq"));
  }
  std::int64_t resolve(const cairn::consumer_record& copy, std::int64_t entry) {
    return write(es::encode_resolved(
        {.group = group, .key = copy.key, .dlq_partition = 0, .resolves = entry, .dlq_offset = -1},
        "orders.dlq"));
  }
  // What `cairn dlq replay` puts on the source topic for the key's entries, at these offsets.
  std::vector<cairn::consumer_record> replay(const std::optional<std::string>& key,
                                             std::int64_t first_offset) {
    std::vector<cairn::consumer_record> out;
    for (const auto& e : index.unresolved(key)) {
      out.push_back(as_read(es::encode_replay(e), first_offset++));
      out.back().topic = "orders";
    }
    return out;
  }
  es::dead_letter_index rebuilt() const {
    es::dead_letter_index fresh(group);
    for (const auto& r : dlq)
      fresh.apply(r);
    return fresh;
  }
};

std::vector<std::int64_t> sources(const std::vector<es::dead_letter_entry>& entries) {
  std::vector<std::int64_t> out;
  for (const auto& e : entries)
    out.push_back(e.source_offset);
  return out;
}

}  // namespace

TEST_CASE("a parked key parks its later records and other keys flow on", "[es][dlq]") {
  sim s;
  CHECK(s.index.classify(rec(0, "a")).what == verdict::handle);
  s.park(rec(0, "a"), es::park_reason::failed);  // a's record 0 failed every attempt
  CHECK(s.index.is_parked("a"));
  CHECK(s.index.classify(rec(1, "b")).what == verdict::handle);
  CHECK(s.index.classify(rec(2, "a")).what == verdict::park_behind);
  s.park(rec(2, "a"), es::park_reason::parked_behind);
  CHECK(s.index.parked_keys() == 1);
  CHECK(sources(s.index.unresolved("a")) == std::vector<std::int64_t>{0, 2});
  // Keyless records have no aggregate order to keep: one parked keyless record parks nothing.
  s.park(rec(3, std::nullopt), es::park_reason::failed);
  CHECK(s.index.classify(rec(4, std::nullopt)).what == verdict::handle);

  auto fresh = s.rebuilt();
  CHECK(sources(fresh.unresolved()) == sources(s.index.unresolved()));
  CHECK(fresh.classify(rec(5, "a")).what == verdict::park_behind);
}

TEST_CASE("a replay resolves a key's entries oldest first and then the key flows", "[es][dlq]") {
  sim s;
  s.park(rec(0, "a"), es::park_reason::failed);
  s.park(rec(1, "a"), es::park_reason::parked_behind);
  auto copies = s.replay("a", 10);
  REQUIRE(copies.size() == 2);

  auto d0 = s.index.classify(copies[0]);
  REQUIRE(d0.what == verdict::handle_replay);
  CHECK(d0.replay_of == 0);
  // The second copy is not up yet while the first is parked: it waits (stays parked).
  CHECK(s.index.classify(copies[1]).what == verdict::skip_stale_replay);
  s.resolve(copies[0], d0.replay_of);
  auto d1 = s.index.classify(copies[1]);
  REQUIRE(d1.what == verdict::handle_replay);
  CHECK(d1.replay_of == 1);
  s.resolve(copies[1], d1.replay_of);
  CHECK_FALSE(s.index.is_parked("a"));
  CHECK(s.index.classify(rec(20, "a")).what == verdict::handle);

  // The same copies delivered again (a crash before the commit, or a second replay): skipped.
  CHECK(s.index.classify(copies[0]).what == verdict::skip_stale_replay);
  CHECK(s.index.classify(copies[1]).what == verdict::skip_stale_replay);
  auto fresh = s.rebuilt();
  CHECK_FALSE(fresh.is_parked("a"));
  CHECK(fresh.parked_entries() == 0);
}

TEST_CASE("a replayed copy that fails again keeps its place at the head", "[es][dlq]") {
  sim s;
  s.park(rec(0, "a"), es::park_reason::failed);
  s.park(rec(1, "a"), es::park_reason::parked_behind);
  auto copies = s.replay("a", 10);
  auto d0 = s.index.classify(copies[0]);
  REQUIRE(d0.what == verdict::handle_replay);
  auto again = s.park(copies[0], es::park_reason::failed, d0.replay_of);
  // Still two entries, the new one first: the key's order survives the retry.
  auto entries = s.index.unresolved("a");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].dlq_offset == again);
  CHECK(entries[0].source_offset == 10);
  CHECK(entries[1].source_offset == 1);
  CHECK(s.index.classify(copies[1]).what == verdict::skip_stale_replay);
  CHECK(s.index.classify(rec(30, "a")).what == verdict::park_behind);

  auto fresh = s.rebuilt();
  auto rebuilt_entries = fresh.unresolved("a");
  REQUIRE(rebuilt_entries.size() == 2);
  CHECK(rebuilt_entries[0].dlq_offset == again);
  CHECK(rebuilt_entries[1].source_offset == 1);

  // The next replay names the new entry.
  auto next = s.replay("a", 40);
  REQUIRE(next.size() == 2);
  auto d = s.index.classify(next[0]);
  CHECK(d.what == verdict::handle_replay);
  CHECK(d.replay_of == again);
}

TEST_CASE("a record parked before a crash is not parked twice when it comes again", "[es][dlq]") {
  sim s;
  s.park(rec(5, "a"), es::park_reason::failed);
  // The handler crashed before committing offset 6; the next owner rebuilds and polls 5 again.
  auto fresh = s.rebuilt();
  CHECK(fresh.classify(rec(5, "a")).what == verdict::skip_already_parked);
  CHECK(fresh.classify(rec(6, "a")).what == verdict::park_behind);
  // A duplicate entry for one source position (two members racing) counts once.
  s.park(rec(5, "a"), es::park_reason::failed);
  CHECK(s.rebuilt().parked_entries() == 1);
  // Once committed past, sources of resolved entries are forgotten; parked ones are kept.
  s.index.forget_sources_below(100);
  CHECK(s.index.classify(rec(5, "a")).what == verdict::skip_already_parked);
}

TEST_CASE("entries of other groups and foreign records are ignored", "[es][dlq]") {
  sim s;
  sim other;
  other.group = "other";
  other.index = es::dead_letter_index("other");
  other.park(rec(0, "a"), es::park_reason::failed);
  for (const auto& r : other.dlq)
    s.index.apply(r);
  s.index.apply(cairn::consumer_record{.topic = "orders.dlq", .offset = 9, .key = "a"});
  CHECK_FALSE(s.index.is_parked("a"));
  CHECK(s.index.classify(rec(0, "a")).what == verdict::handle);
  // A resolution of an entry that is not parked (a duplicate marker) changes nothing.
  s.park(rec(1, "a"), es::park_reason::failed);
  s.resolve(rec(2, "a"), 77);
  CHECK(s.index.is_parked("a"));
}
