// Helpers shared by the protocol tests: frames as byte vectors, and feeding them in chunks.
#pragma once

#include <catch2/catch.hpp>
#include <cstddef>
#include <random>
#include <span>
#include <vector>

#include "protocol/frame.h"

namespace cairn::protocol::test {

inline std::vector<std::byte> to_bytes(const frame& f) {
  const auto bytes = frame_bytes(f);
  return {bytes.begin(), bytes.end()};
}

inline frame copy_frame(const frame& f) {
  auto out = kj::heapArray<capnp::word>(f.size());
  std::memcpy(out.begin(), f.begin(), f.size() * sizeof(capnp::word));
  return out;
}

// A small valid request: a metadata request for one topic.
inline frame metadata_request(std::uint64_t correlation_id) {
  frame_writer writer;
  auto metadata = writer.init_request(correlation_id).initMetadata();
  metadata.initTopics(1).set(0, "orders");
  auto f = writer.finish();
  REQUIRE(f);
  return std::move(f).value();
}

// Feeds `bytes` in chunks of random sizes in [1, chunk_max]; collects every frame.
inline std::vector<frame> feed_chunked(frame_reader& reader, std::span<const std::byte> bytes,
                                       std::mt19937_64& prng, std::size_t chunk_max) {
  std::vector<frame> out;
  while (!bytes.empty()) {
    const std::size_t n =
        std::min(bytes.size(), std::uniform_int_distribution<std::size_t>(1, chunk_max)(prng));
    auto frames = reader.feed(bytes.first(n));
    REQUIRE(frames);
    for (auto& f : frames.value())
      out.push_back(std::move(f));
    bytes = bytes.subspan(n);
  }
  return out;
}

// Writes a frame, reads it back through a frame_reader in random chunks, and parses it.
template <class Build>
parsed_request request_round_trip(Build&& build, std::uint64_t correlation_id = 7) {
  frame_writer writer;
  build(writer.init_request(correlation_id));
  auto written = writer.finish();
  REQUIRE(written);
  const auto bytes = to_bytes(written.value());
  frame_reader reader;
  std::mt19937_64 prng(correlation_id);
  auto frames = feed_chunked(reader, bytes, prng, 64);
  REQUIRE(frames.size() == 1);
  REQUIRE(reader.buffered_bytes() == 0);
  auto parsed = parse_request(std::move(frames[0]));
  REQUIRE(parsed);
  CHECK(parsed.value().correlation_id() == correlation_id);
  return std::move(parsed).value();
}

template <class Build>
parsed_response response_round_trip(Build&& build, std::uint64_t correlation_id = 9) {
  frame_writer writer;
  build(writer.init_response(correlation_id));
  auto written = writer.finish();
  REQUIRE(written);
  const auto bytes = to_bytes(written.value());
  frame_reader reader;
  std::mt19937_64 prng(correlation_id);
  auto frames = feed_chunked(reader, bytes, prng, 64);
  REQUIRE(frames.size() == 1);
  auto parsed = parse_response(std::move(frames[0]));
  REQUIRE(parsed);
  CHECK(parsed.value().correlation_id() == correlation_id);
  return std::move(parsed).value();
}

}  // namespace cairn::protocol::test
