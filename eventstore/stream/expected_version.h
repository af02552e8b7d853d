// expected_version: the optimistic-concurrency condition of AppendToStream (EventStoreDB's
// ExpectedVersion / Eventuous's ExpectedStreamVersion). A pure check, no I/O: the broker reads the
// stream's current version from the stream index, then asks check_expected_version.
//
// Versions count from 0: a stream whose only event is its first has version 0, and a stream with
// no events has no version (EventStoreDB writes that as -1).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>

#include "cairn/base/result.h"
#include "cairn/base/strong_type.h"
#include "eventstore/errc.h"

namespace cairn::eventstore {

struct expected_version {
  enum class kind : std::uint8_t {
    any,        // append whatever the stream's state (no concurrency check)
    no_stream,  // the stream must not exist yet: this append creates it
    exists,     // the stream must have at least one event
    exact,      // the stream's current version must equal `version`
  };

  kind what = kind::any;
  stream_version version{-1};  // meaningful only for kind::exact

  static const expected_version any;
  static const expected_version no_stream;
  static const expected_version exists;
  static constexpr expected_version exact(stream_version v) { return {kind::exact, v}; }

  // EventStoreDB's integer encoding, for protocols that carry one int64: -2 any, -1 no_stream,
  // -4 exists, N >= 0 exact(N). nullopt for every other value (untrusted input).
  static constexpr std::optional<expected_version> from_int64(std::int64_t v) {
    if (v >= 0) return exact(stream_version{v});
    if (v == -2) return any;
    if (v == -1) return no_stream;
    if (v == -4) return exists;
    return std::nullopt;
  }
  constexpr std::int64_t to_int64() const {
    switch (what) {
      case kind::any:
        return -2;
      case kind::no_stream:
        return -1;
      case kind::exists:
        return -4;
      case kind::exact:
        return version.value();
    }
    return -2;
  }

  constexpr bool operator==(const expected_version&) const = default;
};

inline constexpr expected_version expected_version::any{kind::any, stream_version{-1}};
inline constexpr expected_version expected_version::no_stream{kind::no_stream, stream_version{-1}};
inline constexpr expected_version expected_version::exists{kind::exists, stream_version{-1}};

// Why an append was refused: what the client expected and what the stream actually is
// (nullopt: the stream does not exist), so the reply can carry the actual version.
struct version_conflict {
  expected_version expected;
  std::optional<stream_version> actual;

  constexpr bool operator==(const version_conflict&) const = default;
};

// nullopt when `expected` holds for a stream whose current version is `current` (nullopt: no
// stream). exact(N) with N < 0 never holds: use no_stream for "must not exist".
constexpr std::optional<version_conflict> find_version_conflict(
    expected_version expected, std::optional<stream_version> current) {
  bool holds = false;
  switch (expected.what) {
    case expected_version::kind::any:
      holds = true;
      break;
    case expected_version::kind::no_stream:
      holds = !current.has_value();
      break;
    case expected_version::kind::exists:
      holds = current.has_value();
      break;
    case expected_version::kind::exact:
      holds = current.has_value() && *current == expected.version;
      break;
  }
  if (holds) return std::nullopt;
  return version_conflict{expected, current};
}

// errc::wrong_expected_version when `expected` does not hold; use find_version_conflict when the
// caller must report the actual version.
inline result<void> check_expected_version(expected_version expected,
                                           std::optional<stream_version> current) {
  if (find_version_conflict(expected, current)) return errc::wrong_expected_version;
  return success();
}

// The version the next appended event gets: 0 for a new stream, current + 1 otherwise.
constexpr stream_version next_version(std::optional<stream_version> current) {
  return current ? *current + 1 : stream_version{0};
}

}  // namespace cairn::eventstore

template <>
struct fmt::formatter<cairn::eventstore::expected_version> : fmt::formatter<std::string_view> {
  auto format(const cairn::eventstore::expected_version& e, format_context& ctx) const {
    using kind = cairn::eventstore::expected_version::kind;
    switch (e.what) {
      case kind::any:
        return fmt::format_to(ctx.out(), "any");
      case kind::no_stream:
        return fmt::format_to(ctx.out(), "no_stream");
      case kind::exists:
        return fmt::format_to(ctx.out(), "exists");
      case kind::exact:
        break;
    }
    return fmt::format_to(ctx.out(), "{}", e.version.value());
  }
};
