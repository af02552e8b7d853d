#include "protocol/frame.h"

#include <capnp/any.h>
#include <capnp/schema.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "protocol_test_util.h"

namespace protocol = cairn::protocol;
namespace wire = cairn::protocol::wire;
using protocol::errc;
using protocol::frame;
using protocol::frame_reader;
using namespace cairn::protocol::test;

namespace {

std::vector<std::byte> header(std::initializer_list<std::uint32_t> words) {
  std::vector<std::byte> out(words.size() * 4);
  std::size_t i = 0;
  for (std::uint32_t w : words)
    std::memcpy(out.data() + 4 * i++, &w, 4);
  return out;
}

// Reads every field of a parsed message through capnp's own stringifier: after parse succeeded,
// no accessor may throw.
template <class Parsed>
void read_everything(const Parsed& parsed) {
  REQUIRE_NOTHROW(parsed.root().toString().flatten());
}

// Frames a raw message built with an AnyStruct root (to simulate other schemas).
frame finish_raw(capnp::MallocMessageBuilder& message) {
  return capnp::messageToFlatArray(message);
}

std::uint32_t request_discriminant_offset() {
  return capnp::Schema::from<wire::Request>().getProto().getStruct().getDiscriminantOffset();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Framing

TEST_CASE("frame_reader returns a frame fed whole", "[protocol][frame]") {
  const frame original = metadata_request(1);
  const auto bytes = to_bytes(original);
  frame_reader reader;
  auto frames = reader.feed(bytes);
  REQUIRE(frames);
  REQUIRE(frames.value().size() == 1);
  CHECK(to_bytes(frames.value()[0]) == bytes);
  CHECK(reader.buffered_bytes() == 0);
  CHECK(reader.frame_bytes_pending() == 0);
}

TEST_CASE("frame_reader assembles a frame fed one byte at a time", "[protocol][frame]") {
  const auto bytes = to_bytes(metadata_request(2));
  frame_reader reader;
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    auto frames = reader.feed(std::span(bytes).subspan(i, 1));
    REQUIRE(frames);
    REQUIRE(frames.value().empty());
    CHECK(reader.buffered_bytes() == i + 1);
  }
  CHECK(reader.frame_bytes_pending() == bytes.size());
  auto frames = reader.feed(std::span(bytes).last(1));
  REQUIRE(frames);
  REQUIRE(frames.value().size() == 1);
  CHECK(to_bytes(frames.value()[0]) == bytes);
}

TEST_CASE("frame_reader returns many frames from one feed in order", "[protocol][frame]") {
  std::vector<std::byte> stream;
  for (std::uint64_t id = 0; id < 200; ++id) {
    const auto bytes = to_bytes(metadata_request(id));
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  }
  frame_reader reader;
  auto frames = reader.feed(stream);
  REQUIRE(frames);
  REQUIRE(frames.value().size() == 200);
  for (std::uint64_t id = 0; id < 200; ++id) {
    auto parsed = protocol::parse_request(std::move(frames.value()[id]));
    REQUIRE(parsed);
    CHECK(parsed.value().correlation_id() == id);
  }

  SECTION("and in random chunks, across frame boundaries") {
    std::mt19937_64 prng(Catch::rngSeed());
    frame_reader chunked;
    auto out = feed_chunked(chunked, stream, prng, 300);
    REQUIRE(out.size() == 200);
    for (std::uint64_t id = 0; id < 200; ++id) {
      CHECK(protocol::peek_correlation_id(out[id]) == id);
    }
  }
}

TEST_CASE("a truncated frame is never emitted", "[protocol][frame]") {
  const auto bytes = to_bytes(metadata_request(3));
  for (std::size_t cut : {std::size_t{1}, std::size_t{4}, std::size_t{7}, std::size_t{8},
                          std::size_t{9}, bytes.size() - 1}) {
    frame_reader reader;
    auto frames = reader.feed(std::span(bytes).first(cut));
    REQUIRE(frames);
    CHECK(frames.value().empty());
    CHECK(reader.buffered_bytes() == cut);
    // The rest arrives later: now it is emitted.
    auto rest = reader.feed(std::span(bytes).subspan(cut));
    REQUIRE(rest);
    CHECK(rest.value().size() == 1);
  }
}

TEST_CASE("a header claiming 4 GiB is refused before allocating", "[protocol][frame]") {
  // One segment of 2^29 words = 4 GiB.
  const auto bytes = header({0, 1u << 29});
  frame_reader reader;
  for (std::size_t i = 0; i < 7; ++i) {
    auto frames = reader.feed(std::span(bytes).subspan(i, 1));
    REQUIRE(frames);
  }
  auto frames = reader.feed(std::span(bytes).last(1));
  REQUIRE_FALSE(frames);
  CHECK(frames.error() == errc::frame_too_large);
  CHECK(reader.frame_bytes_pending() == 0);  // no frame buffer was ever allocated
  CHECK(reader.buffered_bytes() == 0);

  SECTION("the error is latched: the stream cannot resynchronise") {
    const auto valid = to_bytes(metadata_request(4));
    auto again = reader.feed(valid);
    REQUIRE_FALSE(again);
    CHECK(again.error() == errc::frame_too_large);
    CHECK(reader.error() == errc::frame_too_large);
  }
}

TEST_CASE("a header whose later segment pushes the total past the limit is refused early",
          "[protocol][frame]") {
  // Three segments: 1 GiB claimed in the second size; the third size never arrives.
  const auto bytes = header({2, 1, 1u << 27});
  frame_reader reader;
  auto frames = reader.feed(bytes);
  REQUIRE_FALSE(frames);
  CHECK(frames.error() == errc::frame_too_large);

  // 0xFFFFFFFF words in every one of 512 segments: the sum would overflow 32 bits.
  frame_reader overflow;
  auto huge = overflow.feed(header({511, 0xFFFFFFFFu}));
  REQUIRE_FALSE(huge);
  CHECK(huge.error() == errc::frame_too_large);
}

TEST_CASE("a header claiming 100000 segments is refused on its first 4 bytes",
          "[protocol][frame]") {
  frame_reader reader;
  auto frames = reader.feed(header({99'999}));
  REQUIRE_FALSE(frames);
  CHECK(frames.error() == errc::frame_too_many_segments);
  CHECK(reader.buffered_bytes() == 0);

  frame_reader max_count;
  auto all = max_count.feed(header({0xFFFFFFFFu}));  // 2^32 segments: count - 1 overflows u32
  REQUIRE_FALSE(all);
  CHECK(all.error() == errc::frame_too_many_segments);
}

TEST_CASE("frame_bytes_max is configurable and inclusive", "[protocol][frame]") {
  const auto bytes = to_bytes(metadata_request(5));
  frame_reader exact({.frame_bytes_max = bytes.size()});
  auto ok = exact.feed(bytes);
  REQUIRE(ok);
  CHECK(ok.value().size() == 1);

  frame_reader smaller({.frame_bytes_max = bytes.size() - 8});
  auto refused = smaller.feed(bytes);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == errc::frame_too_large);
}

TEST_CASE("frames before a bad header in the same feed are dropped with the error",
          "[protocol][frame]") {
  auto stream = to_bytes(metadata_request(6));
  const auto bad = header({0, 1u << 29});
  stream.insert(stream.end(), bad.begin(), bad.end());
  frame_reader reader;
  auto frames = reader.feed(stream);
  REQUIRE_FALSE(frames);
  CHECK(frames.error() == errc::frame_too_large);
}

TEST_CASE("random bytes give frames or errors and never a crash", "[protocol][frame][fuzz]") {
  const std::uint64_t base_seed = Catch::rngSeed();
  std::size_t frames_seen = 0, framing_errors = 0, parsed_ok = 0;
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    std::mt19937_64 prng(base_seed * 7919 + seed);
    // Small limits keep each iteration's allocation bounded (a random header is usually huge).
    frame_reader reader({.frame_bytes_max = 1 << 16, .segment_count_max = 8});
    std::vector<std::byte> bytes(std::uniform_int_distribution<std::size_t>(0, 2048)(prng));
    for (auto& b : bytes)
      b = static_cast<std::byte>(prng());
    // Half the seeds get a plausible header so that the parser, not only the framer, is hit.
    if (seed % 2 == 0 && bytes.size() >= 8) {
      const std::uint32_t words = static_cast<std::uint32_t>((bytes.size() - 8) / 8);
      std::memset(bytes.data(), 0, 4);
      std::memcpy(bytes.data() + 4, &words, 4);
    }
    std::span<const std::byte> rest(bytes);
    while (!rest.empty()) {
      const std::size_t n =
          std::min(rest.size(), std::uniform_int_distribution<std::size_t>(1, 512)(prng));
      auto frames = reader.feed(rest.first(n));
      rest = rest.subspan(n);
      if (!frames) {
        ++framing_errors;
        CHECK((frames.error() == errc::frame_too_large ||
               frames.error() == errc::frame_too_many_segments));
        break;
      }
      for (auto& f : frames.value()) {
        ++frames_seen;
        (void)protocol::peek_correlation_id(f);
        auto parsed = protocol::parse_request(std::move(f));
        if (!parsed) {
          CHECK(parsed.error() == errc::invalid_request);
          continue;
        }
        ++parsed_ok;
        (void)protocol::known_kind(parsed.value().kind());
        read_everything(parsed.value());
      }
    }
  }
  INFO("frames " << frames_seen << ", framing errors " << framing_errors << ", parsed "
                 << parsed_ok);
  CHECK(frames_seen > 500);
  CHECK(framing_errors > 100);
}

TEST_CASE("mutated valid frames parse cleanly or fail with invalid_request",
          "[protocol][frame][fuzz]") {
  // A request with every pointer kind: text, data, lists of structs, nested structs.
  protocol::frame_writer writer;
  auto produce = writer.init_request(77).initProduce();
  produce.setAcks(wire::Acks::LEADER);
  auto topics = produce.initTopics(2);
  for (unsigned t = 0; t < 2; ++t) {
    topics[t].setName(t == 0 ? "orders" : "payments");
    auto partitions = topics[t].initPartitions(2);
    for (unsigned p = 0; p < 2; ++p) {
      partitions[p].setPartition(static_cast<std::int32_t>(p));
      const std::byte batch[24] = {};
      partitions[p].setRecords({reinterpret_cast<const kj::byte*>(batch), sizeof batch});
    }
  }
  auto written = writer.finish();
  REQUIRE(written);
  const auto original = to_bytes(written.value());

  const std::uint64_t base_seed = Catch::rngSeed();
  std::size_t ok = 0, invalid = 0;
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    std::mt19937_64 prng(base_seed * 104729 + seed);
    auto bytes = original;
    // Flip 1-4 bytes after the segment table so that framing holds and capnp sees the damage.
    const int flips = std::uniform_int_distribution<int>(1, 4)(prng);
    for (int i = 0; i < flips; ++i) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(8, bytes.size() - 1)(prng);
      bytes[at] ^= static_cast<std::byte>(std::uniform_int_distribution<int>(1, 255)(prng));
    }
    frame_reader reader;
    auto frames = reader.feed(bytes);
    REQUIRE(frames);
    REQUIRE(frames.value().size() == 1);
    auto parsed = protocol::parse_request(std::move(frames.value()[0]));
    if (parsed) {
      ++ok;
      read_everything(parsed.value());
    } else {
      ++invalid;
      CHECK(parsed.error() == errc::invalid_request);
    }
  }
  INFO("ok " << ok << ", invalid " << invalid);
  CHECK(invalid > 100);
  CHECK(ok > 100);
}

// ---------------------------------------------------------------------------------------------
// Content

TEST_CASE("a valid frame whose content is garbage is invalid_request", "[protocol][frame]") {
  SECTION("root pointer out of bounds") {
    // One segment of 2 words: a struct pointer with a huge offset, then zeros.
    auto f = kj::heapArray<capnp::word>(3);
    const std::uint32_t table[2] = {0, 2};
    auto* words = reinterpret_cast<std::byte*>(f.begin());
    std::memcpy(words, table, 8);
    const std::uint64_t pointer = (std::uint64_t{2} << 32) | (0x0FFFFFFFu << 2);
    std::memcpy(words + 8, &pointer, 8);
    std::memset(words + 16, 0, 8);
    auto parsed = protocol::parse_request(std::move(f));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::invalid_request);
  }
  SECTION("an empty segment has no root pointer") {
    auto f = kj::heapArray<capnp::word>(1);
    const std::uint32_t table[2] = {0, 0};
    std::memcpy(reinterpret_cast<std::byte*>(f.begin()), table, 8);
    auto parsed = protocol::parse_request(std::move(f));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::invalid_request);
  }
  SECTION("segment table claims more than the frame holds") {
    frame f = metadata_request(8);
    const std::uint32_t bigger = 1000;
    std::memcpy(reinterpret_cast<std::byte*>(f.begin()) + 4, &bigger, 4);
    auto parsed = protocol::parse_request(std::move(f));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::invalid_request);
  }
  SECTION("text without its NUL, deep in the message (getRoot alone would not notice)") {
    protocol::frame_writer writer;
    writer.init_request(10).initHandshake().setClientId("abcdefg");
    auto written = writer.finish();
    REQUIRE(written);
    frame f = std::move(written).value();
    auto bytes = kj::arrayPtr(reinterpret_cast<char*>(f.begin()), f.size() * 8);
    // "abcdefg" + NUL fill one word exactly: overwrite the NUL.
    bool patched = false;
    for (std::size_t i = 0; i + 8 <= bytes.size(); ++i) {
      if (std::memcmp(bytes.begin() + i, "abcdefg", 8) == 0) {
        bytes[i + 7] = 'h';
        patched = true;
      }
    }
    REQUIRE(patched);
    CHECK(protocol::peek_correlation_id(f) == 10u);  // the id is still readable for the reply
    auto parsed = protocol::parse_request(std::move(f));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::invalid_request);
  }
  SECTION("a list pointer where the schema has a struct") {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<wire::Request>();
    root.setCorrelationId(11);
    root.initHandshake();
    capnp::AnyStruct::Builder raw = wire::Request::Builder(root);
    raw.getPointerSection()[0].setAs<capnp::Text>("not a HandshakeRequest");
    auto parsed = protocol::parse_request(finish_raw(message));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::invalid_request);
  }
}

TEST_CASE("a tiny frame claiming 2^29-1 zero-sized structs hits the traversal limit",
          "[protocol][frame]") {
  capnp::MallocMessageBuilder message;
  auto topics = message.initRoot<wire::Request>().initCreateTopics().initTopics(1);
  // The composite list's tag word precedes its first element: make it claim 2^29 elements of
  // zero words each (capnp's largest list). On the wire it is a few words; read naively it is
  // half a billion iterations.
  capnp::AnyStruct::Builder first = topics[0];
  auto* element = reinterpret_cast<std::uint64_t*>(first.getDataSection().begin());
  std::uint64_t* tag = element - 1;
  *tag = std::uint64_t{(1u << 29) - 1}
         << 2;  // struct tag: count in the offset bits, 0 data, 0 ptrs
  const frame f = finish_raw(message);
  CHECK(f.size() < 16);
  auto parsed = protocol::parse_request(protocol::test::copy_frame(f));
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error() == errc::invalid_request);
}

TEST_CASE("pointers aliasing one text are refused, even when they read only 3x the frame",
          "[protocol][frame]") {
  // A Metadata request naming three topics whose pointers all point at one 800-byte text: about
  // 110 words on the wire, 300 when read. Validation may read no more than the frame holds, so
  // this is refused at parse, rather than passing it and leaving a handler, which reads the
  // topics again, to run out of budget and throw.
  capnp::MallocMessageBuilder message;
  auto topics = message.initRoot<wire::Request>().initMetadata().initTopics(3);
  topics.set(0, std::string(799, 'x'));  // 799 characters and the NUL: 800 bytes, 100 words
  const frame original = finish_raw(message);
  // Find the first element's pointer: a list pointer (kind 1) of BYTE elements (size 2), 800
  // long; the two empty pointers follow it.
  auto* w = reinterpret_cast<std::uint64_t*>(const_cast<capnp::word*>(original.begin()));
  std::size_t at = 0;
  for (std::size_t i = 1; i + 2 < original.size(); ++i) {
    const std::uint64_t p = w[i];
    if ((p & 3) == 1 && ((p >> 32) & 7) == 2 && (p >> 35) == 800 && w[i + 1] == 0 &&
        w[i + 2] == 0) {
      at = i;
      break;
    }
  }
  REQUIRE(at > 0);
  const auto offset = static_cast<std::int32_t>(static_cast<std::uint32_t>(w[at]) >> 2);
  for (std::uint64_t k = 1; k <= 2; ++k) {
    // Same target, one word further from it per element: the offset counts from the pointer.
    const auto aliased = static_cast<std::uint32_t>(offset - static_cast<std::int32_t>(k)) << 2;
    w[at + k] = (w[at] & 0xFFFFFFFF00000000ULL) | aliased | 1;
  }
  CHECK(original.size() < 130);
  auto parsed = protocol::parse_request(copy_frame(original));
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error() == errc::invalid_request);
}

TEST_CASE("a handler reads every field of a validated frame several times", "[protocol][frame]") {
  // The handler's reader has a budget of its own: reading a produce request's records six times
  // (the plan and the commit each walk the topics) never throws.
  protocol::frame_writer writer;
  auto topics = writer.init_request(13).initProduce().initTopics(4);
  for (unsigned t = 0; t < 4; ++t) {
    topics[t].setName("topic-" + std::to_string(t));
    auto parts = topics[t].initPartitions(4);
    for (unsigned p = 0; p < 4; ++p) {
      parts[p].setPartition(static_cast<std::int32_t>(p));
      std::string bytes(4096, static_cast<char>('a' + p));
      parts[p].setRecords(
          capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size()));
    }
  }
  auto written = writer.finish();
  REQUIRE(written);
  auto parsed = protocol::parse_request(std::move(written).value());
  REQUIRE(parsed);
  std::size_t bytes = 0;
  for (int pass = 0; pass < 6; ++pass) {
    for (auto topic : parsed.value().root().getProduce().getTopics()) {
      bytes += topic.getName().size();
      for (auto part : topic.getPartitions())
        bytes += part.getRecords().size();
    }
  }
  CHECK(bytes == 6 * 4 * (7 + 4 * 4096));
}

TEST_CASE("the nesting limit applies and the default admits the deepest message",
          "[protocol][frame]") {
  protocol::frame_writer writer;
  auto metadata = writer.init_response(12).initMetadata();
  auto partition = metadata.initTopics(1)[0].initPartitions(1)[0];
  partition.initReplicas(3).set(0, 1);
  auto written = writer.finish();
  REQUIRE(written);
  auto ok = protocol::parse_response(copy_frame(written.value()));
  REQUIRE(ok);
  CHECK(ok.value().root().getMetadata().getTopics()[0].getPartitions()[0].getReplicas().size() ==
        3);
  auto shallow = protocol::parse_response(copy_frame(written.value()), {.nesting_limit = 3});
  REQUIRE_FALSE(shallow);
  CHECK(shallow.error() == errc::invalid_request);
}

TEST_CASE("an unknown request kind parses and is answered with unknownRequest",
          "[protocol][frame]") {
  // A newer client's request: set the union discriminant to a value this build has no member
  // for, exactly what a newer schema's added member looks like on the wire.
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<wire::Request>();
  root.setCorrelationId(42);
  capnp::AnyStruct::Builder raw = wire::Request::Builder(root);
  const std::uint16_t future_kind = 999;
  std::memcpy(raw.getDataSection().begin() + 2 * request_discriminant_offset(), &future_kind, 2);
  raw.getPointerSection()[0].setAs<capnp::Text>("a body this build cannot interpret");

  auto parsed = protocol::parse_request(finish_raw(message));
  REQUIRE(parsed);
  CHECK(parsed.value().correlation_id() == 42);
  CHECK_FALSE(protocol::known_kind(parsed.value().kind()));
  CHECK(static_cast<std::uint16_t>(parsed.value().kind()) == future_kind);

  // The broker's answer: a body-less response with the same correlation id.
  const frame reply = protocol::make_error_response(42, errc::unknown_request, "kind 999");
  auto response = protocol::parse_response(copy_frame(reply));
  REQUIRE(response);
  CHECK(response.value().correlation_id() == 42);
  CHECK(response.value().kind() == wire::Response::REJECTED);
  CHECK(protocol::from_wire(response.value().root().getErrorCode()) == errc::unknown_request);
  CHECK(response.value().root().getErrorMessage() == "kind 999");

  // Every member this schema knows is known.
  for (auto field : capnp::Schema::from<wire::Request>().getUnionFields()) {
    CHECK(protocol::known_kind(
        static_cast<wire::Request::Which>(field.getProto().getDiscriminantValue())));
  }
  for (auto field : capnp::Schema::from<wire::Response>().getUnionFields()) {
    CHECK(protocol::known_kind(
        static_cast<wire::Response::Which>(field.getProto().getDiscriminantValue())));
  }
}

TEST_CASE("a request from a newer schema with extra fields is read and the extras ignored",
          "[protocol][frame]") {
  // A raw Request struct with more data words and pointers than this build's Request.
  capnp::MallocMessageBuilder message;
  auto raw = message.getRoot<capnp::AnyPointer>().initAsAnyStruct(4, 3);
  const std::uint64_t correlation_id = 43;
  std::memcpy(raw.getDataSection().begin(), &correlation_id, 8);
  const auto kind = static_cast<std::uint16_t>(wire::Request::LIST_TOPICS);
  std::memcpy(raw.getDataSection().begin() + 2 * request_discriminant_offset(), &kind, 2);
  raw.getPointerSection()[0].initAs<wire::ListTopicsRequest>().setIncludeInternal(true);
  raw.getPointerSection()[2].setAs<capnp::Text>("a field from the future");

  auto parsed = protocol::parse_request(finish_raw(message));
  REQUIRE(parsed);
  CHECK(parsed.value().correlation_id() == 43);
  REQUIRE(parsed.value().kind() == wire::Request::LIST_TOPICS);
  CHECK(parsed.value().root().getListTopics().getIncludeInternal());
}

TEST_CASE("an unset request union is distinguishable", "[protocol][frame]") {
  protocol::frame_writer writer;
  writer.init_request(44);
  auto written = writer.finish();
  REQUIRE(written);
  auto parsed = protocol::parse_request(std::move(written).value());
  REQUIRE(parsed);
  CHECK(parsed.value().kind() == wire::Request::UNSET);
}

// ---------------------------------------------------------------------------------------------
// Writing

TEST_CASE("frame_writer refuses a frame above the limit before sending", "[protocol][frame]") {
  protocol::frame_writer writer;
  auto records = writer.init_request(1).initProduce().initTopics(1)[0].initPartitions(1)[0];
  records.initRecords(4096);
  CHECK(writer.size_bytes() > 4096);
  auto refused = writer.finish(4096);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == errc::frame_too_large);
  auto gathered = writer.gather(4096);
  REQUIRE_FALSE(gathered);
  CHECK(gathered.error() == errc::frame_too_large);
  auto ok = writer.finish();
  REQUIRE(ok);
  CHECK(protocol::frame_bytes(ok.value()).size() == writer.size_bytes());
}

TEST_CASE("gather() yields the same bytes as finish() across many segments", "[protocol][frame]") {
  protocol::frame_writer writer(16);  // a tiny first segment forces several segments
  auto partitions = writer.init_request(5).initProduce().initTopics(1)[0].initPartitions(20);
  for (unsigned i = 0; i < 20; ++i) {
    auto data = partitions[i].initRecords(100 + i * 50);
    for (std::size_t j = 0; j < data.size(); ++j)
      data[j] = static_cast<kj::byte>(i + j);
  }
  auto pieces = writer.gather();
  REQUIRE(pieces);
  REQUIRE(pieces.value().size() > 2);
  std::vector<std::byte> gathered;
  for (auto piece : pieces.value())
    gathered.insert(gathered.end(), piece.begin(), piece.end());
  auto flat = writer.finish();
  REQUIRE(flat);
  CHECK(gathered == to_bytes(flat.value()));

  frame_reader reader;
  std::vector<frame> frames;
  for (auto piece : pieces.value()) {
    auto out = reader.feed(piece);
    REQUIRE(out);
    for (auto& f : out.value())
      frames.push_back(std::move(f));
  }
  REQUIRE(frames.size() == 1);
  auto parsed = protocol::parse_request(std::move(frames[0]));
  REQUIRE(parsed);
  auto read = parsed.value().root().getProduce().getTopics()[0].getPartitions();
  REQUIRE(read.size() == 20);
  CHECK(read[19].getRecords().size() == 100 + 19 * 50);
  CHECK(read[19].getRecords()[3] == static_cast<kj::byte>(19 + 3));
}
