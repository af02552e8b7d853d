// The Kafka request decoders (broker/kafka/requests/, through decode_request) against a seeded
// storm of bad bodies for every served API and version: random bytes, valid requests truncated
// and bit-flipped, limit values (-1, -2, INT16/INT32 extremes, the largest unsigned varint, an
// over-long varint) written over and into every position of a valid request, and bodies in the
// other encoding. Each must decode or be refused, without crashing and without allocating what a
// length or count claims: an allocation counter (operator new, replaced in this binary) bounds
// what one decode may allocate by the size of its frame. The seed is fixed and printed;
// CAIRN_DECODE_SEED=N varies it. Issue 15.
#include "broker/kafka/decode_request.h"

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "broker/kafka/requests/fetch.h"
#include "broker/kafka/requests/join_group.h"
#include "broker/kafka/requests/list_offsets.h"
#include "broker/kafka/requests/produce.h"
#include "broker/kafka/served_apis.h"
#include "tests/support/kafka_sample_requests.h"

namespace kafka = cairn::broker::kafka;
using bytes = std::vector<std::byte>;

// ---- The allocation counter: every operator new of this process while `counting` is set. ----
namespace {
thread_local bool counting = false;
thread_local std::size_t allocated_bytes = 0;  // since the counter was last reset
thread_local std::size_t largest_allocation = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting) {
    allocated_bytes += n;
    largest_allocation = std::max(largest_allocation, n);
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
// The nothrow forms too (Catch registers its tests with them): left to a sanitizer's own
// allocator, what they allocate would be freed by the delete above, a mismatch ASan reports.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (counting) {
    allocated_bytes += n;
    largest_allocation = std::max(largest_allocation, n);
  }
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace {

struct counted_decode {
  kafka::decode_outcome outcome;
  std::size_t allocated = 0;
  std::size_t largest = 0;
};

counted_decode decode_counted(const bytes& frame) {
  allocated_bytes = 0;
  largest_allocation = 0;
  counting = true;
  kafka::decode_outcome outcome = kafka::decode_request(frame);
  counting = false;
  return {outcome, allocated_bytes, largest_allocation};
}

// What one decode may allocate: the decoded structs of every element the frame can hold (each
// element's smallest encoding is at least one byte and its struct at most ~100 bytes, vectors
// at most doubling) and a constant for the header and failure message. A length or count taken
// at its word would be gigabytes, or 100,000 elements.
std::size_t allocation_bound(std::size_t frame_bytes) {
  return 256 * frame_bytes + 64 * 1024;
}

std::uint64_t storm_seed() {
  if (const char* s = std::getenv("CAIRN_DECODE_SEED")) return std::strtoull(s, nullptr, 10);
  return 20261207;
}

bytes frame_of(const kafka::served_api& api, std::int16_t version, const bytes& body) {
  bytes frame =
      cairn::test::kafka_sample_header(api.key, version, kafka::request_is_flexible(api, version));
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

bytes sample_body(const kafka::served_api& api, std::int16_t version) {
  return cairn::test::kafka_sample_body(api.key, version, kafka::request_is_flexible(api, version));
}

// Limit values as they sit on the wire: int16 and int32 lengths and counts of -1, -2, the
// extremes; the largest 32-bit unsigned varint (a compact length of 2^32 - 2); a 6-byte varint.
std::vector<bytes> limit_values() {
  auto be = [](std::int64_t v, int width) {
    bytes b;
    for (int i = width - 1; i >= 0; --i)
      b.push_back(static_cast<std::byte>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
    return b;
  };
  std::vector<bytes> out;
  for (std::int64_t v : {-1, -2, 0x7fff, -0x8000})
    out.push_back(be(v, 2));
  for (std::int64_t v :
       {std::int64_t{-1}, std::int64_t{-2}, std::int64_t{std::numeric_limits<std::int32_t>::max()},
        std::int64_t{std::numeric_limits<std::int32_t>::min()}, std::int64_t{100 << 20}}) {
    out.push_back(be(v, 4));
  }
  out.push_back(
      bytes{std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0x0f}});
  out.push_back(bytes(6, std::byte{0xff}));
  out.push_back(bytes{std::byte{0x80}, std::byte{0x80}, std::byte{0x80}, std::byte{0x80},
                      std::byte{0x08}});  // 2^31 as an unsigned varint
  return out;
}

struct storm_stats {
  std::size_t inputs = 0;
  std::size_t decoded = 0;
  std::size_t refused = 0;
  double allocated_per_frame_byte_max = 0;
};

// Decodes `body` behind a valid header for `api` at `version` and checks the outcome and what it
// allocated; `what` names the input in a failure.
void check_one(storm_stats& stats, const kafka::served_api& api, std::int16_t version,
               const bytes& body, const std::string& what) {
  const bytes frame = frame_of(api, version, body);
  counted_decode d = decode_counted(frame);
  ++stats.inputs;
  if (d.outcome == kafka::decode_outcome::decoded) ++stats.decoded;
  if (d.outcome == kafka::decode_outcome::refused) ++stats.refused;
  const bool answered_or_refused =
      d.outcome == kafka::decode_outcome::decoded || d.outcome == kafka::decode_outcome::refused;
  const bool bounded = d.allocated <= allocation_bound(frame.size());
  if (!answered_or_refused || !bounded) {
    FAIL_CHECK(kafka::api_name(api.key)
               << " v" << version << " " << what << " (" << body.size() << " B body): outcome "
               << static_cast<int>(d.outcome) << ", allocated " << d.allocated << " B (largest "
               << d.largest << " B), bound " << allocation_bound(frame.size()) << " B");
  }
  stats.allocated_per_frame_byte_max =
      std::max(stats.allocated_per_frame_byte_max,
               static_cast<double>(d.allocated) / static_cast<double>(frame.size()));
}

}  // namespace

TEST_CASE("every served API and version decodes its valid sample request", "[kafka][unit]") {
  for (const kafka::served_api& api : kafka::served_apis()) {
    for (std::int16_t v = api.min_version; v <= api.max_version; ++v) {
      INFO(kafka::api_name(api.key) << " v" << v);
      const bytes body = sample_body(api, v);
      CHECK(decode_counted(frame_of(api, v, body)).outcome == kafka::decode_outcome::decoded);
      // Every sample ends in a field the decoder must read: one byte short is refused.
      if (!body.empty()) {
        const bytes cut(body.begin(), body.end() - 1);
        CHECK(decode_counted(frame_of(api, v, cut)).outcome == kafka::decode_outcome::refused);
      }
    }
  }
}

TEST_CASE("decoders return what the sample requests say", "[kafka][unit]") {
  auto request_of = [](const kafka::served_api& api, std::int16_t v, const bytes& body) {
    kafka::request r;
    r.header.api_key = static_cast<std::int16_t>(api.key);
    r.header.api_version = v;
    r.header.client_id = "cairn-test";
    r.flexible = kafka::request_is_flexible(api, v);
    r.body = body;
    return r;
  };
  SECTION("Produce v9 (flexible)") {
    const auto& api = *kafka::find_api(0);
    const bytes body = sample_body(api, 9);
    auto d = kafka::decode_produce(request_of(api, 9, body));
    REQUIRE(d.ok());
    CHECK(d.request.acks == -1);
    CHECK(d.request.timeout_ms == 1000);
    REQUIRE(d.request.topics.size() == 1);
    CHECK(d.request.topics[0].name == "orders");
    REQUIRE(d.request.topics[0].partitions.size() == 1);
    CHECK(d.request.topics[0].partitions[0].records.size() == 24);
  }
  SECTION("Fetch v13 names topics by id") {
    const auto& api = *kafka::find_api(1);
    const bytes body = sample_body(api, 13);
    auto d = kafka::decode_fetch(request_of(api, 13, body));
    REQUIRE(d.ok());
    REQUIRE(d.request.topics.size() == 1);
    CHECK(d.request.topics[0].id[15] == 16);
    CHECK(d.request.topics[0].partitions.at(0).max_bytes == 1 << 20);
  }
  SECTION("ListOffsets v4 has the current leader epoch") {
    const auto& api = *kafka::find_api(2);
    const bytes body = sample_body(api, 4);
    auto d = kafka::decode_list_offsets(request_of(api, 4, body));
    REQUIRE(d.ok());
    REQUIRE(d.request.topics.size() == 1);
    CHECK(d.request.topics[0].partitions.at(0).timestamp == -1);
  }
  SECTION("JoinGroup v0 takes its rebalance timeout from the session timeout") {
    const auto& api = *kafka::find_api(11);
    const bytes body = sample_body(api, 0);
    auto d = kafka::decode_join_group(request_of(api, 0, body));
    REQUIRE(d.ok());
    CHECK(d.request.rebalance_timeout_ms == 10'000);
    CHECK(d.request.client_id == "cairn-test");
    REQUIRE(d.request.protocols.size() == 1);
    CHECK(d.request.protocols[0].metadata.size() == 24);
  }
  SECTION("a failure keeps the entries read before it, and says why") {
    const auto& api = *kafka::find_api(2);
    bytes body = sample_body(api, 1);
    body.pop_back();  // the request's last field, after the one partition
    body.pop_back();
    auto d = kafka::decode_list_offsets(request_of(api, 1, body));
    CHECK_FALSE(d.ok());
    CHECK_THAT(d.failure, Catch::Contains("truncated"));
  }
}

TEST_CASE("the header decides before any body decoder", "[kafka][unit]") {
  using kafka::decode_outcome;
  CHECK(kafka::decode_request(bytes(7, std::byte{0})) == decode_outcome::short_header);
  const kafka::served_api& api_versions = *kafka::find_api(18);
  // ApiVersions v99 (the flexible header clients send) is answered: UNSUPPORTED_VERSION.
  bytes v99 = cairn::test::kafka_sample_header(api_versions.key, 99, true);
  CHECK(kafka::decode_request(v99) == decode_outcome::decoded);
  const kafka::served_api& fetch = *kafka::find_api(1);
  CHECK(kafka::decode_request(cairn::test::kafka_sample_header(fetch.key, 3, false)) ==
        decode_outcome::unserved);
  CHECK(kafka::decode_request(cairn::test::kafka_sample_header(fetch.key, 14, true)) ==
        decode_outcome::unserved);
  bytes unknown = cairn::test::kafka_sample_header(fetch.key, 4, false);
  unknown[1] = std::byte{61};  // api key 61 is not served
  CHECK(kafka::decode_request(unknown) == decode_outcome::unserved);
  bytes bad_client_id = cairn::test::kafka_sample_header(fetch.key, 4, false);
  bad_client_id.resize(9);  // the client id's length, cut
  CHECK(kafka::decode_request(bad_client_id) == decode_outcome::bad_header);
}

TEST_CASE("a seeded storm of bad bodies is decoded or refused within bounded allocation",
          "[kafka][unit]") {
  const std::uint64_t seed = storm_seed();
  INFO("seed " << seed << " (CAIRN_DECODE_SEED=" << seed << " replays it)");
  std::mt19937_64 rng(seed);
  auto below = [&rng](std::size_t n) {
    return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n);
  };
  const std::vector<bytes> limits = limit_values();
  storm_stats stats;
  for (const kafka::served_api& api : kafka::served_apis()) {
    for (std::int16_t v = api.min_version; v <= api.max_version; ++v) {
      const bytes valid = sample_body(api, v);
      const bool flexible = kafka::request_is_flexible(api, v);
      for (int round = 0; round < 64; ++round) {
        bytes random(below(round < 32 ? 24 : 400));
        for (std::byte& b : random)
          b = static_cast<std::byte>(rng());
        check_one(stats, api, v, random, "random");
        check_one(stats, api, v, bytes(valid.begin(), valid.begin() + below(valid.size())),
                  "truncated");
        bytes flipped = valid;
        if (!flipped.empty()) {
          for (std::size_t f = 0, n = 1 + below(6); f < n; ++f)
            flipped[below(flipped.size())] ^= static_cast<std::byte>(1u << below(8));
        }
        check_one(stats, api, v, flipped, "bit-flipped");
      }
      // Every limit value over and into every position of the valid body: one of those
      // positions is each length and count field.
      for (std::size_t at = 0; at < valid.size(); ++at) {
        for (const bytes& limit : limits) {
          bytes over = valid;
          for (std::size_t i = 0; i < limit.size() && at + i < over.size(); ++i)
            over[at + i] = limit[i];
          check_one(stats, api, v, over, "limit value over offset " + std::to_string(at));
          bytes into = valid;
          into.insert(into.begin() + static_cast<std::ptrdiff_t>(at), limit.begin(), limit.end());
          check_one(stats, api, v, into, "limit value into offset " + std::to_string(at));
        }
      }
      // The other encoding's valid body (a client that got the flexible versions wrong).
      check_one(stats, api, v, cairn::test::kafka_sample_body(api.key, v, !flexible),
                "other encoding");
    }
  }
  INFO("inputs " << stats.inputs << ", decoded " << stats.decoded << ", refused " << stats.refused
                 << ", most allocated per frame byte " << stats.allocated_per_frame_byte_max);
  CHECK(stats.inputs > 50'000);
  // The storm is not all refused: bit flips and limit values in fields that are not lengths
  // still decode, so the decoders are exercised past their first field.
  CHECK(stats.decoded > stats.inputs / 20);
  CHECK(stats.refused > stats.inputs / 4);
  WARN("decode storm: " << stats.inputs << " inputs, " << stats.decoded << " decoded, "
                        << stats.refused << " refused; at most "
                        << stats.allocated_per_frame_byte_max
                        << " B allocated per frame byte (seed " << seed << ")");
}
