#include "eventstore/stream/expected_version.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>

using namespace cairn;
using namespace cairn::eventstore;

namespace {
constexpr std::optional<stream_version> kNoStream = std::nullopt;
constexpr std::optional<stream_version> at(std::int64_t v) {
  return stream_version{v};
}
}  // namespace

TEST_CASE("any holds for every stream state", "[expected_version]") {
  CHECK(check_expected_version(expected_version::any, kNoStream));
  CHECK(check_expected_version(expected_version::any, at(0)));
  CHECK(check_expected_version(expected_version::any, at(41)));
}

TEST_CASE("no_stream holds only when the stream does not exist", "[expected_version]") {
  CHECK(check_expected_version(expected_version::no_stream, kNoStream));
  CHECK(check_expected_version(expected_version::no_stream, at(0)).error() ==
        errc::wrong_expected_version);
  CHECK(check_expected_version(expected_version::no_stream, at(7)).error() ==
        errc::wrong_expected_version);
}

TEST_CASE("exists holds only when the stream has an event", "[expected_version]") {
  CHECK(check_expected_version(expected_version::exists, kNoStream).error() ==
        errc::wrong_expected_version);
  CHECK(check_expected_version(expected_version::exists, at(0)));
  CHECK(check_expected_version(expected_version::exists, at(9)));
}

TEST_CASE("exact(N) holds only when the current version is N", "[expected_version]") {
  auto exact = [](std::int64_t n) { return expected_version::exact(stream_version{n}); };
  CHECK(check_expected_version(exact(0), at(0)));
  CHECK(check_expected_version(exact(5), at(5)));
  CHECK(check_expected_version(exact(0), kNoStream).error() == errc::wrong_expected_version);
  CHECK(check_expected_version(exact(4), at(5)).error() == errc::wrong_expected_version);
  CHECK(check_expected_version(exact(6), at(5)).error() == errc::wrong_expected_version);
  // A negative exact version never holds: "no stream" is spelled no_stream.
  CHECK(check_expected_version(exact(-1), kNoStream).error() == errc::wrong_expected_version);
}

TEST_CASE("a conflict reports what was expected and the actual version", "[expected_version]") {
  CHECK(find_version_conflict(expected_version::any, at(3)) == std::nullopt);
  auto conflict = find_version_conflict(expected_version::exact(stream_version{2}), at(3));
  REQUIRE(conflict);
  CHECK(conflict->expected == expected_version::exact(stream_version{2}));
  CHECK(conflict->actual == at(3));
  auto missing = find_version_conflict(expected_version::exists, kNoStream);
  REQUIRE(missing);
  CHECK(missing->actual == std::nullopt);
  static_assert(!find_version_conflict(expected_version::no_stream, std::nullopt));
}

TEST_CASE("next_version counts from 0", "[expected_version]") {
  CHECK(next_version(kNoStream) == stream_version{0});
  CHECK(next_version(at(0)) == stream_version{1});
  CHECK(next_version(at(41)) == stream_version{42});
}

TEST_CASE("the int64 encoding follows EventStoreDB and rejects other negatives",
          "[expected_version]") {
  CHECK(expected_version::from_int64(-2) == expected_version::any);
  CHECK(expected_version::from_int64(-1) == expected_version::no_stream);
  CHECK(expected_version::from_int64(-4) == expected_version::exists);
  CHECK(expected_version::from_int64(0) == expected_version::exact(stream_version{0}));
  CHECK(expected_version::from_int64(17) == expected_version::exact(stream_version{17}));
  CHECK(expected_version::from_int64(-3) == std::nullopt);
  CHECK(expected_version::from_int64(-5) == std::nullopt);
  CHECK(expected_version::from_int64(INT64_MIN) == std::nullopt);
  for (auto e : {expected_version::any, expected_version::no_stream, expected_version::exists,
                 expected_version::exact(stream_version{3})}) {
    CHECK(expected_version::from_int64(e.to_int64()) == e);
  }
  CHECK(fmt::format("{} {} {} {}", expected_version::any, expected_version::no_stream,
                    expected_version::exists,
                    expected_version::exact(stream_version{3})) == "any no_stream exists 3");
}
