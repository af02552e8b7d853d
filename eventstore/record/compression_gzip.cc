// gzip (Kafka codec 1) with zlib: gzip framing on the way out, gzip or zlib framing detected on
// the way in (windowBits 15 + 32), concatenated members decoded one after the other (as Java's
// GZIPInputStream does).
#include <zlib.h>

#include <algorithm>

#include "eventstore/errc.h"
#include "eventstore/record/compression_codecs.h"

namespace cairn::eventstore::codecs {
namespace {

// zlib counts in uInt: feed and drain it in slices that fit.
constexpr std::size_t kSliceBytesMax = 1u << 30;
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kAutoDetectWindowBits = 15 + 32;
constexpr int kMemLevelDefault = 8;

Bytef* bytes_of(const char* p) {
  // zlib's next_in is not const-qualified (ZLIB_CONST is off in Debian's build); it never writes.
  return reinterpret_cast<Bytef*>(const_cast<char*>(p));
}

}  // namespace

result<std::vector<char>> gzip_compress(std::string_view bytes) {
  z_stream s{};
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevelDefault,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return errc::invalid_argument;
  }
  std::vector<char> out(deflateBound(&s, static_cast<uLong>(bytes.size())));
  const char* in = bytes.data();
  std::size_t in_left = bytes.size();
  std::size_t produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    std::size_t in_slice = std::min(in_left, kSliceBytesMax);
    s.next_in = bytes_of(in);
    s.avail_in = static_cast<uInt>(in_slice);
    if (produced == out.size()) out.resize(out.size() * 2);
    std::size_t out_slice = std::min(out.size() - produced, kSliceBytesMax);
    s.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    s.avail_out = static_cast<uInt>(out_slice);
    rc = deflate(&s, in_slice == in_left ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&s);
      return errc::invalid_argument;
    }
    std::size_t consumed = in_slice - s.avail_in;
    in += consumed;
    in_left -= consumed;
    produced += out_slice - s.avail_out;
  }
  deflateEnd(&s);
  out.resize(produced);
  return out;
}

result<std::vector<char>> gzip_decompress(std::string_view bytes, std::size_t limit_bytes) {
  z_stream s{};
  if (inflateInit2(&s, kAutoDetectWindowBits) != Z_OK) return errc::invalid_argument;
  bounded_output out(bytes.size(), limit_bytes);
  const char* in = bytes.data();
  std::size_t in_left = bytes.size();
  std::error_code failed;
  while (true) {
    std::span<char> room = out.room();
    std::size_t in_slice = std::min(in_left, kSliceBytesMax);
    std::size_t out_slice = std::min(room.size(), kSliceBytesMax);
    s.next_in = bytes_of(in);
    s.avail_in = static_cast<uInt>(in_slice);
    s.next_out = reinterpret_cast<Bytef*>(room.data());
    s.avail_out = static_cast<uInt>(out_slice);
    int rc = inflate(&s, Z_NO_FLUSH);
    std::size_t consumed = in_slice - s.avail_in;
    std::size_t written = out_slice - s.avail_out;
    in += consumed;
    in_left -= consumed;
    out.commit(written);
    if (out.over_limit()) {
      failed = errc::decompressed_batch_too_large;
      break;
    }
    if (rc == Z_STREAM_END) {
      if (in_left == 0) break;
      // Another member follows; anything that is not one fails on the next turn.
      if (inflateReset(&s) != Z_OK) {
        failed = errc::corrupt_compressed_batch;
        break;
      }
      continue;
    }
    // Z_BUF_ERROR is "no progress possible": with output room left, the input ran out mid-stream.
    if (rc != Z_OK || (consumed == 0 && written == 0)) {
      failed = errc::corrupt_compressed_batch;
      break;
    }
  }
  inflateEnd(&s);
  if (failed) return failed;
  return out.take();
}

}  // namespace cairn::eventstore::codecs
