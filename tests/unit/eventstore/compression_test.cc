// The codecs alone: round trips, Kafka's wire framing of each, and untrusted input (truncated,
// damaged, decompression bombs) answered with an error and never a crash or a large allocation.
#include "eventstore/record/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "eventstore/errc.h"
#include "eventstore/record/compression_codecs.h"
#include "eventstore/record/endian.h"

using namespace cairn::eventstore;

namespace {

const compression_codec kCodecs[] = {compression_codec::gzip, compression_codec::snappy,
                                     compression_codec::lz4, compression_codec::zstd};

std::string_view view(const std::vector<char>& v) {
  return {v.data(), v.size()};
}

// Record-like text: compressible, but not trivially.
std::string sample(std::size_t bytes, std::uint64_t seed = 1) {
  std::mt19937_64 prng(seed);
  std::string out;
  while (out.size() < bytes) {
    out += "{\"account\":\"acc-" + std::to_string(prng() % 1000) +
           "\",\"amount_cents\":" + std::to_string(prng() % 100000) + "}";
  }
  out.resize(bytes);
  return out;
}

std::string random_bytes(std::size_t bytes, std::uint64_t seed) {
  std::mt19937_64 prng(seed);
  std::string out(bytes, '\0');
  for (char& c : out)
    c = static_cast<char>(prng());
  return out;
}

// A stream that decodes to `total_bytes` zeros, built in 1 MiB steps with each library's
// streaming API, so the test never holds the decoded size itself.
std::vector<char> zeros_bomb(compression_codec codec, std::size_t total_bytes) {
  const std::string chunk(1 << 20, '\0');
  const std::size_t steps = total_bytes / chunk.size();
  std::vector<char> out;
  switch (codec) {
    case compression_codec::gzip: {
      z_stream s{};
      REQUIRE(deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
      std::vector<char> buffer(1 << 16);
      for (std::size_t i = 0; i <= steps; ++i) {
        s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
        s.avail_in = i < steps ? static_cast<uInt>(chunk.size()) : 0;
        int flush = i < steps ? Z_NO_FLUSH : Z_FINISH;
        int rc = Z_OK;
        do {
          s.next_out = reinterpret_cast<Bytef*>(buffer.data());
          s.avail_out = static_cast<uInt>(buffer.size());
          rc = deflate(&s, flush);
          out.insert(out.end(), buffer.data(), buffer.data() + buffer.size() - s.avail_out);
        } while (s.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
      }
      deflateEnd(&s);
      break;
    }
    case compression_codec::zstd: {
      ZSTD_CCtx* c = ZSTD_createCCtx();
      std::vector<char> buffer(ZSTD_CStreamOutSize());
      for (std::size_t i = 0; i <= steps; ++i) {
        ZSTD_inBuffer in{chunk.data(), i < steps ? chunk.size() : 0, 0};
        ZSTD_EndDirective mode = i < steps ? ZSTD_e_continue : ZSTD_e_end;
        std::size_t left = 0;
        do {
          ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
          left = ZSTD_compressStream2(c, &o, &in, mode);
          REQUIRE_FALSE(ZSTD_isError(left));
          out.insert(out.end(), buffer.data(), buffer.data() + o.pos);
        } while (in.pos < in.size || (mode == ZSTD_e_end && left != 0));
      }
      ZSTD_freeCCtx(c);
      break;
    }
    case compression_codec::lz4: {
      LZ4F_cctx* c = nullptr;
      REQUIRE_FALSE(LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)));
      std::vector<char> buffer(LZ4F_compressBound(chunk.size(), nullptr) + 64);
      std::size_t n = LZ4F_compressBegin(c, buffer.data(), buffer.size(), nullptr);
      out.insert(out.end(), buffer.data(), buffer.data() + n);
      for (std::size_t i = 0; i < steps; ++i) {
        n = LZ4F_compressUpdate(c, buffer.data(), buffer.size(), chunk.data(), chunk.size(),
                                nullptr);
        REQUIRE_FALSE(LZ4F_isError(n));
        out.insert(out.end(), buffer.data(), buffer.data() + n);
      }
      n = LZ4F_compressEnd(c, buffer.data(), buffer.size(), nullptr);
      out.insert(out.end(), buffer.data(), buffer.data() + n);
      LZ4F_freeCompressionContext(c);
      break;
    }
    case compression_codec::snappy: {
      // The xerial framing: one compressed 32 KiB block of zeros, repeated.
      std::string block;
      snappy::Compress(chunk.data(), 32 * 1024, &block);
      out.assign({'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0', 0, 0, 0, 1, 0, 0, 0, 1});
      for (std::size_t i = 0; i < total_bytes / (32 * 1024); ++i) {
        char length[4];
        store_be(length, static_cast<std::int32_t>(block.size()));
        out.insert(out.end(), length, length + 4);
        out.insert(out.end(), block.begin(), block.end());
      }
      break;
    }
    case compression_codec::none:
      break;
  }
  return out;
}

}  // namespace

TEST_CASE("each codec round-trips empty, small, large and incompressible input", "[compression]") {
  for (compression_codec codec : kCodecs) {
    for (const std::string& input :
         {std::string(), std::string("x"), sample(100), sample(300'000), random_bytes(70'000, 3)}) {
      INFO(codec_name(codec) << " " << input.size() << " bytes");
      auto packed = compress(codec, input);
      REQUIRE(packed);
      auto unpacked = decompress(codec, view(packed.value()));
      REQUIRE(unpacked);
      CHECK(view(unpacked.value()) == input);
    }
    auto packed = compress(codec, sample(300'000));
    CHECK(packed.value().size() < 300'000 / 2);  // record-like text does compress
  }
}

TEST_CASE("each codec writes Kafka's framing", "[compression]") {
  std::string input = sample(100'000);
  SECTION("gzip: a gzip member (RFC 1952 magic, deflate)") {
    auto out = compress(compression_codec::gzip, input).value();
    REQUIRE(out.size() > 10);
    CHECK(static_cast<std::uint8_t>(out[0]) == 0x1f);
    CHECK(static_cast<std::uint8_t>(out[1]) == 0x8b);
    CHECK(out[2] == 8);
  }
  SECTION("snappy: xerial framing with 32 KiB blocks, each a raw snappy block") {
    auto out = compress(compression_codec::snappy, input).value();
    REQUIRE(view(out).substr(0, 16) == std::string_view("\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16));
    std::string decoded;
    std::string_view rest = view(out).substr(16);
    int blocks = 0;
    while (!rest.empty()) {
      auto length = static_cast<std::size_t>(load_be<std::int32_t>(rest.data()));
      std::string block;
      REQUIRE(snappy::Uncompress(rest.data() + 4, length, &block));
      CHECK(block.size() <= 32 * 1024);
      decoded += block;
      rest.remove_prefix(4 + length);
      ++blocks;
    }
    CHECK(blocks == 4);
    CHECK(decoded == input);
  }
  SECTION("lz4: one LZ4 frame of independent 64 KiB blocks") {
    auto out = compress(compression_codec::lz4, input).value();
    REQUIRE(out.size() > 7);
    CHECK(load_be<std::uint32_t>(out.data()) == 0x04224D18);  // 0x184D2204 little-endian
    auto flg = static_cast<std::uint8_t>(out[4]);
    CHECK((flg >> 6) == 1);           // version 01
    CHECK((flg & 0x20) != 0);         // block independence: Kafka's Java decoder needs it
    CHECK(((out[5] >> 4) & 7) == 4);  // block maximum size 64 KiB
  }
  SECTION("zstd: a zstd frame") {
    auto out = compress(compression_codec::zstd, input).value();
    REQUIRE(out.size() > 4);
    CHECK(load_be<std::uint32_t>(out.data()) == 0x28B52FFD);
    CHECK(ZSTD_getFrameContentSize(out.data(), out.size()) == input.size());
  }
}

TEST_CASE("decompress reads what other writers of each codec produce", "[compression]") {
  std::string input = sample(50'000);
  SECTION("snappy: one raw block, as librdkafka sends it") {
    std::string raw;
    snappy::Compress(input.data(), input.size(), &raw);
    auto out = decompress(compression_codec::snappy, raw);
    REQUIRE(out);
    CHECK(view(out.value()) == input);
  }
  SECTION("gzip: a zlib stream, and two concatenated gzip members") {
    std::vector<char> zlib_stream(compressBound(static_cast<uLong>(input.size())));
    uLongf size = static_cast<uLongf>(zlib_stream.size());
    REQUIRE(compress2(reinterpret_cast<Bytef*>(zlib_stream.data()), &size,
                      reinterpret_cast<const Bytef*>(input.data()),
                      static_cast<uLong>(input.size()), 6) == Z_OK);
    zlib_stream.resize(size);
    CHECK(view(decompress(compression_codec::gzip, view(zlib_stream)).value()) == input);

    auto a = compress(compression_codec::gzip, "first half;").value();
    auto b = compress(compression_codec::gzip, "second half").value();
    a.insert(a.end(), b.begin(), b.end());
    CHECK(view(decompress(compression_codec::gzip, view(a)).value()) == "first half;second half");
  }
  SECTION("zstd: a streamed frame without a content size, and two frames") {
    std::vector<char> frame = zeros_bomb(compression_codec::zstd, 2 << 20);
    CHECK(ZSTD_getFrameContentSize(frame.data(), frame.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
    auto out = decompress(compression_codec::zstd, view(frame));
    REQUIRE(out);
    CHECK(out.value() == std::vector<char>(2 << 20, '\0'));

    auto a = compress(compression_codec::zstd, "one").value();
    auto b = compress(compression_codec::zstd, "two").value();
    a.insert(a.end(), b.begin(), b.end());
    CHECK(view(decompress(compression_codec::zstd, view(a)).value()) == "onetwo");
  }
  SECTION("lz4: a frame with linked blocks and a content checksum (the lz4 tool's defaults)") {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockMode = LZ4F_blockLinked;
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    prefs.frameInfo.contentSize = input.size();
    std::vector<char> frame(LZ4F_compressFrameBound(input.size(), &prefs));
    frame.resize(
        LZ4F_compressFrame(frame.data(), frame.size(), input.data(), input.size(), &prefs));
    CHECK(view(decompress(compression_codec::lz4, view(frame)).value()) == input);
  }
}

TEST_CASE("truncated and damaged streams are errors, never crashes", "[compression][bad-input]") {
  std::string input = sample(20'000);
  std::mt19937_64 prng(11);
  for (compression_codec codec : kCodecs) {
    INFO(codec_name(codec));
    auto packed = compress(codec, input).value();
    std::string_view whole = view(packed);
    // Every cut of the stream is refused: each codec's framing says where the stream ends.
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
      INFO("cut at " << cut << " of " << whole.size());
      auto out = decompress(codec, whole.substr(0, cut));
      if (codec == compression_codec::snappy && out) {
        // The xerial framing has no end mark: a cut between blocks is a shorter valid stream
        // (the batch CRC is what catches it), and must decode to a prefix.
        CHECK(std::string_view(input).starts_with(view(out.value())));
        continue;
      }
      REQUIRE_FALSE(out);
      CHECK(out.error() == errc::corrupt_compressed_batch);
    }
    // Trailing bytes that are not another stream are refused too.
    std::string trailing(whole);
    trailing += "garbage!";
    auto out = decompress(codec, trailing);
    REQUIRE_FALSE(out);
    CHECK(out.error() == errc::corrupt_compressed_batch);
    // Damage anywhere: an error, or (where the format has no checksum over the data) some bytes
    // within the limit; never a crash or a read outside the input (the sanitizer build checks).
    for (int round = 0; round < 300; ++round) {
      std::string damaged(whole);
      for (int flips = 1 + static_cast<int>(prng() % 4); flips > 0; --flips) {
        damaged[prng() % damaged.size()] = static_cast<char>(prng());
      }
      auto decoded = decompress(codec, damaged, 1 << 20);
      if (decoded) {
        CHECK(decoded.value().size() <= (1u << 20));
      } else {
        CHECK((decoded.error() == errc::corrupt_compressed_batch ||
               decoded.error() == errc::decompressed_batch_too_large));
      }
    }
    // Random bytes are not a stream of any codec.
    CHECK_FALSE(decompress(codec, random_bytes(1000, 5)));
  }
}

TEST_CASE("a decompression bomb stops at the limit", "[compression][bad-input]") {
  constexpr std::size_t kLimit = 1 << 20;
  for (compression_codec codec : kCodecs) {
    INFO(codec_name(codec));
    // 64 MiB of zeros in a few hundred kilobytes at most.
    std::vector<char> bomb = zeros_bomb(codec, 64 << 20);
    CHECK(bomb.size() < (4u << 20));
    auto out = decompress(codec, view(bomb), kLimit);
    REQUIRE_FALSE(out);
    CHECK(out.error() == errc::decompressed_batch_too_large);
    // Exactly at the limit is allowed, one byte more is not.
    auto at_limit = compress(codec, std::string(kLimit, 'a')).value();
    CHECK(decompress(codec, view(at_limit), kLimit).value().size() == kLimit);
    CHECK(decompress(codec, view(at_limit), kLimit - 1).error() ==
          errc::decompressed_batch_too_large);
  }
  SECTION("snappy: a block that declares 4 GiB is refused from its header") {
    // varint 0xFFFFFFFF, then a literal tag and a few bytes.
    const std::string block("\xff\xff\xff\xff\x0f\x08hello", 10);
    auto out = decompress(compression_codec::snappy, block, kLimit);
    REQUIRE_FALSE(out);
    CHECK(out.error() == errc::decompressed_batch_too_large);
  }
  SECTION("zstd: a frame asking for a window past the cap is refused before its allocation") {
    // Frame header: magic, descriptor 0x00 (a window descriptor, no content size), window
    // descriptor 0xA0 (exponent 20: a 1 GiB window), then a block header.
    const std::string frame("\x28\xb5\x2f\xfd\x00\xa0\x01\x00\x00", 9);
    auto out = decompress(compression_codec::zstd, frame, kLimit);
    REQUIRE_FALSE(out);
    CHECK(out.error() == errc::corrupt_compressed_batch);
  }
}

TEST_CASE("the bounded output never holds more than the limit and one byte", "[compression]") {
  for (std::size_t limit :
       {std::size_t{0}, std::size_t{1}, std::size_t{5000}, std::size_t{1} << 20}) {
    codecs::bounded_output out(100, limit);
    std::size_t steps = 0;
    while (!out.over_limit()) {
      auto room = out.room();
      REQUIRE_FALSE(room.empty());
      CHECK(out.size() + room.size() <= limit + 1);
      out.commit(room.size());
      REQUIRE(++steps < 64);  // grows geometrically
    }
    CHECK(out.size() == limit + 1);
  }
}

TEST_CASE("codec names and attribute bits", "[compression]") {
  CHECK(codec_of_attributes(0x00).value() == compression_codec::none);
  CHECK(codec_of_attributes(0x01).value() == compression_codec::gzip);
  CHECK(codec_of_attributes(0x0A).value() == compression_codec::snappy);  // timestamp bit kept out
  CHECK(codec_of_attributes(0x33).value() == compression_codec::lz4);
  CHECK(codec_of_attributes(0x04).value() == compression_codec::zstd);
  for (std::int16_t bad : {5, 6, 7}) {
    CHECK(codec_of_attributes(bad).error() == errc::unsupported_compression);
  }
  for (compression_codec codec : kCodecs) {
    CHECK(codec_from_name(codec_name(codec)) == codec);
  }
  CHECK(codec_from_name("none") == compression_codec::none);
  CHECK(codec_from_name("GZIP") == std::nullopt);
  CHECK(codec_from_name("brotli") == std::nullopt);
}
