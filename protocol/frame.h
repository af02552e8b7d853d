// frame: the sans-I/O codec of the native protocol. A frame is one Cap'n Proto message in the
// standard stream framing (docs/protocol.md "Framing"):
//
//   u32 segment_count - 1 | u32 size_in_words[segment_count] | pad to 8 bytes | segments...
//
// All integers little-endian. Nothing here touches a socket or a clock: the Asio side reads bytes
// and feeds them to a frame_reader, and writes the bytes a frame_writer produces. Both the broker
// and the SDK use it, in both directions.
//
// Every byte from the peer is untrusted. The limits below, and the attack each one stops:
//   - frame_bytes_max (default 64 MiB): a header claiming a huge frame (4 GiB) would make the
//     reader allocate, or wait for, that much per connection. Checked while the segment table
//     arrives, before any frame buffer is allocated.
//   - segment_count_max (default 512): a header claiming 2^32 segments would make the reader
//     buffer a 16 GiB segment table. Checked on the first 4 bytes.
//   - traversal limit (parse_limits): a small frame whose pointers all alias one big struct, or
//     a list of 2^29 zero-sized structs, looks tiny on the wire but huge when read. Validation
//     may read no more words than the frame has; the handler's reads are budgeted at a multiple
//     of that, so work stays proportional to bytes sent.
//   - nesting limit (parse_limits): deeply nested (or cyclic) pointers would recurse until the
//     stack overflows. Our schema nests at most ~8 levels, so a small constant is enough.
//   - full validation at parse: a pointer out of bounds, of the wrong kind, or Text without its
//     NUL would make capnp throw on first access, deep inside a handler. parse_request walks the
//     whole message once against the schema, so after it succeeds no accessor can throw.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"
#include "protocol/cairn.capnp.h"
#include "protocol/wire_errc.h"

namespace cairn::protocol {

inline constexpr std::size_t frame_bytes_max_default = std::size_t{64} << 20;
inline constexpr std::uint32_t segment_count_max_default = 512;

struct frame_limits {
  std::size_t frame_bytes_max = frame_bytes_max_default;  // segment table included
  std::uint32_t segment_count_max = segment_count_max_default;
};

// One complete frame: the words of one message, segment table included, as on the wire.
using frame = kj::Array<capnp::word>;

// The bytes of a frame, for a socket write (asio::buffer(bytes.data(), bytes.size())).
std::span<const std::byte> frame_bytes(const frame& f) noexcept;

// ---------------------------------------------------------------------------------------------
// Reading

// Splits a byte stream into frames. Feed it whatever the socket returned, in any chunking.
//
// Memory: at most one partial frame, allocated once its segment table is complete and checked
// (so never more than frame_bytes_max), plus a segment table of at most 4 * segment_count_max
// bytes. A broker that must bound the sum over connections reads frame_bytes_pending() after
// each feed and stops reading a connection whose claim does not fit its budget.
//
// A framing error (frame_too_large, frame_too_many_segments) leaves the stream without a frame
// boundary to resynchronise on: the reader latches the error and returns it from every later
// feed, and the connection must be closed.
class frame_reader {
 public:
  explicit frame_reader(frame_limits limits = {}) noexcept : limits_(limits) {}

  // Consumes all of `bytes` and returns the frames they complete, in order (often none). On a
  // framing error returns the error, and frames completed earlier in the same call are
  // dropped: the connection is going to be closed, so their responses could not be sent.
  result<std::vector<frame>> feed(std::span<const std::byte> bytes);

  // The latched framing error, or a default (success) error_code.
  std::error_code error() const noexcept { return error_; }

  // The total size of the frame being assembled, once its segment table is known; else 0.
  std::size_t frame_bytes_pending() const noexcept { return frame_.size() * sizeof(capnp::word); }

  // Bytes held for the incomplete frame (segment table bytes and body bytes so far).
  std::size_t buffered_bytes() const noexcept { return table_.size() + body_bytes_; }

  const frame_limits& limits() const noexcept { return limits_; }

 private:
  // Consumes bytes from the front of `bytes` into the segment table. REQUIRES: frame_ is null.
  std::error_code read_table(std::span<const std::byte>& bytes);
  void reset() noexcept;

  frame_limits limits_;
  std::error_code error_;

  // Header phase: the segment table as it arrives, checked size by size.
  std::vector<std::byte> table_;
  std::uint64_t segment_count_ = 0;  // 0 until the first 4 bytes are in
  std::uint64_t table_bytes_ = 0;    // the padded table size, once segment_count_ is known
  std::uint64_t sizes_checked_ = 0;  // segment sizes already added to body_words_
  std::uint64_t body_words_ = 0;     // sum of the segment sizes checked so far

  // Body phase: the whole frame, table copied in first.
  frame frame_;
  std::size_t body_bytes_ = 0;  // bytes of frame_ filled, table included
};

// Limits applied when a frame is interpreted as a message (see the header comment).
struct parse_limits {
  // Validation reads the whole message once within the frame's own words (plus a little slack):
  // a message that reads bigger than it is, its pointers aliasing one big struct, is refused
  // there. The handler then reads through a reader of its own with this multiple of the frame's
  // words, so it can read every field several times and no accessor ever runs out of budget
  // (which would throw inside a handler).
  std::uint64_t handler_words_per_frame_word = 8;
  // Struct/list depth. The deepest message in cairn.capnp nests 6 levels (Response ->
  // MetadataResponse -> topics -> TopicMetadata -> partitions -> PartitionMetadata -> replicas).
  int nesting_limit = 16;
};

// A frame interpreted as a Request or a Response: owns the words and the reader over them, so
// it can be moved to a handler and outlive the reader's buffer. Readers obtained from root() are
// valid while this object lives.
template <class Root>
class parsed_frame {
 public:
  typename Root::Reader root() const noexcept { return root_; }
  std::uint64_t correlation_id() const noexcept { return root_.getCorrelationId(); }
  // The union member. A value this build does not know (a newer peer) is passed through as is:
  // check it with known_kind() and answer unknownRequest instead of switching blindly.
  typename Root::Which kind() const noexcept { return root_.which(); }
  std::size_t size_bytes() const noexcept { return words_.size() * sizeof(capnp::word); }

  parsed_frame(frame words, std::unique_ptr<capnp::FlatArrayMessageReader> reader,
               typename Root::Reader root) noexcept
      : words_(std::move(words)), reader_(std::move(reader)), root_(root) {}

 private:
  frame words_;  // the reader points into it: declared first, destroyed last
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  typename Root::Reader root_;
};

using parsed_request = parsed_frame<wire::Request>;
using parsed_response = parsed_frame<wire::Response>;

// Interprets a frame and validates all of it against the schema. errc::invalid_request for any
// malformed content (bad pointers, wrong pointer kinds, unterminated text, limits exceeded);
// never throws. An unknown union member is NOT an error here: see parsed_frame::kind().
result<parsed_request> parse_request(frame f, const parse_limits& limits = {});
result<parsed_response> parse_response(frame f, const parse_limits& limits = {});

// True for every union member this build's schema knows.
bool known_kind(wire::Request::Which kind) noexcept;
bool known_kind(wire::Response::Which kind) noexcept;

// The correlation id of a frame, read without validating the rest, so that the error response
// to a frame that fails parse_request can still be matched: nullopt when even the root struct is
// unreadable. Never throws. parse_request takes the frame, so peek first:
//   auto id = peek_correlation_id(f);
//   auto parsed = parse_request(std::move(f));
//   if (!parsed) reply(make_error_response(id.value_or(0), errc::invalid_request, ...));
std::optional<std::uint64_t> peek_correlation_id(kj::ArrayPtr<const capnp::word> f) noexcept;

// ---------------------------------------------------------------------------------------------
// Writing

// Builds one frame:
//   frame_writer w;
//   auto produce = w.init_request(correlation_id).initProduce();
//   ...
//   CAIRN_TRY(auto bytes, w.finish());      // or w.gather() for a zero-copy gather write
class frame_writer {
 public:
  // first_segment_words: size the first segment to fit the typical message, so that it stays
  // one segment (one allocation, one gather buffer).
  explicit frame_writer(unsigned first_segment_words = 1024)
      : message_(first_segment_words, capnp::AllocationStrategy::GROW_HEURISTICALLY) {}

  wire::Request::Builder init_request(std::uint64_t correlation_id);
  wire::Response::Builder init_response(std::uint64_t correlation_id);

  capnp::MessageBuilder& message() noexcept { return message_; }

  // The frame's size on the wire, segment table included, without serializing.
  std::size_t size_bytes();

  // Serializes into one contiguous frame (copies every segment). errc::frame_too_large above
  // frame_bytes_max, so a sender learns it locally instead of having its connection closed.
  result<frame> finish(std::size_t frame_bytes_max = frame_bytes_max_default);

  // Zero-copy alternative to finish(): the segment table, then each segment, for a gather write
  // (asio::async_write over a buffer sequence). Valid until the message is changed or the
  // writer destroyed. Same size check as finish().
  result<std::vector<std::span<const std::byte>>> gather(
      std::size_t frame_bytes_max = frame_bytes_max_default);

 private:
  capnp::MallocMessageBuilder message_;
  kj::Array<capnp::word> table_;  // gather()'s segment table
};

// A response with no body (`rejected`) carrying an error: for an unknown request kind, a frame
// that failed parsing (with peek_correlation_id's id, or 0), or a request the broker refuses.
frame make_error_response(std::uint64_t correlation_id, errc code, std::string_view message = {});

}  // namespace cairn::protocol
