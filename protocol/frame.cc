#include "protocol/frame.h"

#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace cairn::protocol {
namespace {

// The stream framing is little-endian; so are the hosts we build for. A big-endian port would
// byte-swap here (capnp itself would handle the segments).
static_assert(std::endian::native == std::endian::little);

std::uint32_t load_le32(const std::byte* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

constexpr std::uint64_t word_bytes = sizeof(capnp::word);

// Padded size of a segment table for `count` segments: u32 count-1, u32 per segment, pad to 8.
constexpr std::uint64_t table_bytes_for(std::uint64_t count) noexcept {
  return (4 + 4 * count + 7) / 8 * 8;
}

// ---------------------------------------------------------------------------------------------
// Validation: read every field reachable from the root, as the generated accessors would, so
// that any check capnp defers to first access (bounds, pointer kind, Text NUL, struct/list
// sizes, traversal and nesting limits) fails here, once, inside our try block.

void visit_value(const capnp::DynamicValue::Reader& value);

void visit_struct(const capnp::DynamicStruct::Reader& s) {
  for (auto field : s.getSchema().getNonUnionFields())
    visit_value(s.get(field));
  // An unknown union member has no field here (which() is null): its content is unreachable to
  // this build, and the caller answers unknownRequest without reading it.
  KJ_IF_MAYBE (field, s.which()) {
    visit_value(s.get(*field));
  }
}

void visit_list(const capnp::DynamicList::Reader& list) {
  switch (list.getSchema().whichElementType()) {
    case capnp::schema::Type::STRUCT:
    case capnp::schema::Type::LIST:
    case capnp::schema::Type::TEXT:
    case capnp::schema::Type::DATA:
    case capnp::schema::Type::ANY_POINTER:
    case capnp::schema::Type::INTERFACE:
      for (auto element : list)
        visit_value(element);
      return;
    default:
      // Scalars and enums: obtaining the list already checked its bounds and element size, and
      // no scalar value is malformed. Skipping them keeps a 64 MiB Int32 list cheap.
      return;
  }
}

void visit_value(const capnp::DynamicValue::Reader& value) {
  switch (value.getType()) {
    case capnp::DynamicValue::STRUCT:
      visit_struct(value.as<capnp::DynamicStruct>());
      return;
    case capnp::DynamicValue::LIST:
      visit_list(value.as<capnp::DynamicList>());
      return;
    case capnp::DynamicValue::TEXT:
      (void)value.as<capnp::Text>();
      return;
    case capnp::DynamicValue::DATA:
      (void)value.as<capnp::Data>();
      return;
    default:
      return;
  }
}

template <class Root>
result<parsed_frame<Root>> parse(frame f, const parse_limits& limits) {
  // A message without aliasing reads each of its words at most once: validation gets the
  // frame's words (and slack for the smallest frames). Big legitimate frames (64 MiB of fetch
  // data) stay readable, and a small frame cannot be amplified into a large read.
  capnp::ReaderOptions validation;
  validation.traversalLimitInWords = f.size() + 64;
  validation.nestingLimit = limits.nesting_limit;
  capnp::ReaderOptions handler = validation;
  handler.traversalLimitInWords =
      std::max<std::uint64_t>(f.size(), 64) * limits.handler_words_per_frame_word;
  try {
    // FlatArrayMessageReader checks the segment table against the array: every segment must lie
    // inside it. A frame_reader frame always passes; a hand-built frame may not.
    {
      capnp::FlatArrayMessageReader checked(f.asPtr(), validation);
      visit_struct(capnp::toDynamic(checked.getRoot<Root>()));
    }
    // A fresh budget for the handler: validation's reads do not count against it.
    auto reader = std::make_unique<capnp::FlatArrayMessageReader>(f.asPtr(), handler);
    auto root = reader->getRoot<Root>();
    return parsed_frame<Root>(std::move(f), std::move(reader), root);
  } catch (const kj::Exception&) {
    return errc::invalid_request;
  } catch (const std::bad_alloc&) {
    // capnp allocates per-segment bookkeeping; the segment count is bounded by the reader, but a
    // hand-built frame might not be. Still bad input, never a crash.
    return errc::invalid_request;
  }
}

}  // namespace

std::span<const std::byte> frame_bytes(const frame& f) noexcept {
  const auto bytes = f.asBytes();
  return {reinterpret_cast<const std::byte*>(bytes.begin()), bytes.size()};
}

// ---------------------------------------------------------------------------------------------
// frame_reader

result<std::vector<frame>> frame_reader::feed(std::span<const std::byte> bytes) {
  if (error_) return error_;
  std::vector<frame> out;
  // Each pass either completes a frame or consumes every remaining byte, so the loop runs at
  // most (frames in `bytes`) + 1 times.
  for (;;) {
    if (frame_ == nullptr) {
      if (bytes.empty()) break;
      if (auto ec = read_table(bytes)) {
        error_ = ec;
        reset();
        return ec;
      }
      if (frame_ == nullptr) break;  // the table is still incomplete: every byte was consumed
    }
    const std::size_t frame_size = frame_.size() * word_bytes;
    const std::size_t n = std::min(frame_size - body_bytes_, bytes.size());
    std::memcpy(frame_.asBytes().begin() + body_bytes_, bytes.data(), n);
    body_bytes_ += n;
    bytes = bytes.subspan(n);
    if (body_bytes_ < frame_size) break;  // waiting for more: every byte was consumed
    out.push_back(std::move(frame_));
    reset();
  }
  return out;
}

std::error_code frame_reader::read_table(std::span<const std::byte>& bytes) {
  auto take_up_to = [&](std::uint64_t size) {
    const std::size_t n = std::min<std::uint64_t>(size - table_.size(), bytes.size());
    table_.insert(table_.end(), bytes.begin(), bytes.begin() + n);
    bytes = bytes.subspan(n);
  };

  if (segment_count_ == 0) {
    take_up_to(4);
    if (table_.size() < 4) return {};
    // u32 + 1 cannot overflow 64 bits; compare before computing anything from it.
    segment_count_ = std::uint64_t{load_le32(table_.data())} + 1;
    if (segment_count_ > limits_.segment_count_max) return errc::frame_too_many_segments;
    table_bytes_ = table_bytes_for(segment_count_);
    if (table_bytes_ > limits_.frame_bytes_max) return errc::frame_too_large;
    table_.reserve(table_bytes_);
  }

  take_up_to(table_bytes_);
  // Add each segment size as soon as its 4 bytes are in, so that a first segment claiming
  // 4 GiB is refused on the 8th byte of the stream, before the rest of the table.
  while (sizes_checked_ < segment_count_ && table_.size() >= 4 + 4 * (sizes_checked_ + 1)) {
    body_words_ += load_le32(table_.data() + 4 + 4 * sizes_checked_);
    ++sizes_checked_;
    // At most 512 * 2^32 words * 8 bytes < 2^44: no overflow.
    if (table_bytes_ + body_words_ * word_bytes > limits_.frame_bytes_max) {
      return errc::frame_too_large;
    }
  }
  if (table_.size() < table_bytes_) return {};

  // The whole claim is known and within the limit: allocate the frame, once.
  frame_ = kj::heapArray<capnp::word>(table_bytes_ / word_bytes + body_words_);
  std::memcpy(frame_.asBytes().begin(), table_.data(), table_bytes_);
  body_bytes_ = table_bytes_;
  table_.clear();
  return {};
}

void frame_reader::reset() noexcept {
  table_.clear();
  segment_count_ = 0;
  table_bytes_ = 0;
  sizes_checked_ = 0;
  body_words_ = 0;
  frame_ = nullptr;
  body_bytes_ = 0;
}

// ---------------------------------------------------------------------------------------------
// Parsing

result<parsed_request> parse_request(frame f, const parse_limits& limits) {
  return parse<wire::Request>(std::move(f), limits);
}

result<parsed_response> parse_response(frame f, const parse_limits& limits) {
  return parse<wire::Response>(std::move(f), limits);
}

// The last kind of each union; a kind added to cairn.capnp moves these.
bool known_kind(wire::Request::Which kind) noexcept {
  return static_cast<std::uint16_t>(kind) <= static_cast<std::uint16_t>(wire::Request::ALTER_TOPIC);
}

bool known_kind(wire::Response::Which kind) noexcept {
  return static_cast<std::uint16_t>(kind) <=
         static_cast<std::uint16_t>(wire::Response::ALTER_TOPIC);
}

std::optional<std::uint64_t> peek_correlation_id(kj::ArrayPtr<const capnp::word> f) noexcept {
  try {
    // Only the root pointer and the first data word are read: a tight budget is enough.
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 64;
    options.nestingLimit = 2;
    capnp::FlatArrayMessageReader reader(f, options);
    // Request and Response both keep correlationId at ordinal @0, data offset 0: reading it as
    // a Request is right for either.
    return reader.getRoot<wire::Request>().getCorrelationId();
  } catch (...) {
    return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// frame_writer

wire::Request::Builder frame_writer::init_request(std::uint64_t correlation_id) {
  auto root = message_.initRoot<wire::Request>();
  root.setCorrelationId(correlation_id);
  return root;
}

wire::Response::Builder frame_writer::init_response(std::uint64_t correlation_id) {
  auto root = message_.initRoot<wire::Response>();
  root.setCorrelationId(correlation_id);
  return root;
}

std::size_t frame_writer::size_bytes() {
  return capnp::computeSerializedSizeInWords(message_) * word_bytes;
}

result<frame> frame_writer::finish(std::size_t frame_bytes_max) {
  if (size_bytes() > frame_bytes_max) return errc::frame_too_large;
  return capnp::messageToFlatArray(message_);
}

result<std::vector<std::span<const std::byte>>> frame_writer::gather(std::size_t frame_bytes_max) {
  if (size_bytes() > frame_bytes_max) return errc::frame_too_large;
  const auto segments = message_.getSegmentsForOutput();
  table_ = kj::heapArray<capnp::word>(table_bytes_for(segments.size()) / word_bytes);
  std::memset(table_.asBytes().begin(), 0, table_.asBytes().size());
  auto* table = reinterpret_cast<std::uint32_t*>(table_.begin());
  table[0] = static_cast<std::uint32_t>(segments.size() - 1);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    table[i + 1] = static_cast<std::uint32_t>(segments[i].size());
  }
  std::vector<std::span<const std::byte>> out;
  out.reserve(segments.size() + 1);
  out.push_back(frame_bytes(table_));
  for (const auto& segment : segments) {
    const auto bytes = segment.asBytes();
    out.emplace_back(reinterpret_cast<const std::byte*>(bytes.begin()), bytes.size());
  }
  return out;
}

frame make_error_response(std::uint64_t correlation_id, errc code, std::string_view message) {
  frame_writer writer(64);
  auto response = writer.init_response(correlation_id);
  response.setErrorCode(to_wire(code));
  if (!message.empty()) response.setErrorMessage({message.data(), message.size()});
  response.setRejected();
  // A handful of words: far below any frame limit.
  return capnp::messageToFlatArray(writer.message());
}

}  // namespace cairn::protocol
