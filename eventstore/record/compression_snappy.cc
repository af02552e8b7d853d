// snappy (Kafka codec 2). Kafka's Java producer wraps snappy in snappy-java's ("xerial") stream
// framing; librdkafka sends one raw snappy block; Kafka's decoder (SnappyInputStream) reads the
// framing when the magic is there and a raw block otherwise. We decode both and write the
// framing, which every Kafka client decodes.
//
//   xerial stream: magic "\x82SNAPPY\0" (8 bytes), version int32 (1), compatible version int32
//                  (1), then blocks: compressed length int32, raw snappy bytes; all big-endian.
#include <snappy.h>

#include <algorithm>
#include <cstring>

#include "eventstore/errc.h"
#include "eventstore/record/compression_codecs.h"
#include "eventstore/record/endian.h"

namespace cairn::eventstore::codecs {
namespace {

constexpr std::string_view kXerialMagic("\x82SNAPPY\0", 8);
constexpr std::int32_t kXerialVersion = 1;
constexpr std::int32_t kXerialCompatibleVersion = 1;
constexpr std::size_t kXerialHeaderBytes = 16;
// snappy-java's default block: what a Java consumer expects to buffer per block.
constexpr std::size_t kXerialBlockBytes = 32 * 1024;

// Appends the decoding of one raw snappy block to `out`, its size checked against the limit
// before anything is allocated.
result<void> decode_raw_block(std::string_view block, std::size_t limit_bytes,
                              std::vector<char>& out) {
  std::size_t length = 0;
  // Reads only the varint at the block's head; a bomb is refused here, before the allocation.
  if (!snappy::GetUncompressedLength(block.data(), block.size(), &length)) {
    return errc::corrupt_compressed_batch;
  }
  if (length > limit_bytes - out.size()) return errc::decompressed_batch_too_large;
  std::size_t old_size = out.size();
  if (old_size + length > out.capacity()) {
    // Geometric growth, but never a capacity past the limit.
    out.reserve(std::min(limit_bytes, std::max(out.capacity() * 2, old_size + length)));
  }
  out.resize(old_size + length);
  // RawUncompress checks every copy against the input and the declared length.
  if (!snappy::RawUncompress(block.data(), block.size(), out.data() + old_size)) {
    return errc::corrupt_compressed_batch;
  }
  return success();
}

}  // namespace

result<std::vector<char>> snappy_compress(std::string_view bytes) {
  std::vector<char> out(kXerialHeaderBytes);
  std::memcpy(out.data(), kXerialMagic.data(), kXerialMagic.size());
  store_be(out.data() + 8, kXerialVersion);
  store_be(out.data() + 12, kXerialCompatibleVersion);
  for (std::size_t at = 0; at < bytes.size(); at += kXerialBlockBytes) {
    std::size_t block = std::min(kXerialBlockBytes, bytes.size() - at);
    std::size_t old_size = out.size();
    out.resize(old_size + 4 + snappy::MaxCompressedLength(block));
    std::size_t written = 0;
    snappy::RawCompress(bytes.data() + at, block, out.data() + old_size + 4, &written);
    store_be(out.data() + old_size, static_cast<std::int32_t>(written));
    out.resize(old_size + 4 + written);
  }
  return out;
}

result<std::vector<char>> snappy_decompress(std::string_view bytes, std::size_t limit_bytes) {
  std::vector<char> out;
  if (!bytes.starts_with(kXerialMagic)) {
    CAIRN_TRY(decode_raw_block(bytes, limit_bytes, out));
    return out;
  }
  if (bytes.size() < kXerialHeaderBytes) return errc::corrupt_compressed_batch;
  // The versions are not checked: snappy-java itself has only ever written 1 and 1.
  std::string_view rest = bytes.substr(kXerialHeaderBytes);
  while (!rest.empty()) {
    if (rest.size() < 4) return errc::corrupt_compressed_batch;
    auto length = load_be<std::int32_t>(rest.data());
    rest.remove_prefix(4);
    if (length <= 0 || static_cast<std::size_t>(length) > rest.size()) {
      return errc::corrupt_compressed_batch;
    }
    CAIRN_TRY(decode_raw_block(rest.substr(0, static_cast<std::size_t>(length)), limit_bytes, out));
    rest.remove_prefix(static_cast<std::size_t>(length));
  }
  return out;
}

}  // namespace cairn::eventstore::codecs
