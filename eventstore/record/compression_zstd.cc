// zstd (Kafka codec 4): zstd frames, decoded with the streaming API because a frame need not
// declare its content size (a streaming producer's does not). The decoder's window is capped
// too: a frame header may ask for a window of up to 2 GiB, which the decoder would allocate
// before the first output byte.
#include <zstd.h>

#include <memory>

#include "eventstore/errc.h"
#include "eventstore/record/compression_codecs.h"

namespace cairn::eventstore::codecs {
namespace {

// Kafka's default zstd level (compression.zstd.level).
constexpr int kZstdLevel = 3;
// The window a frame may ask for follows the output limit (no match reaches further back than
// the output, so a larger window is never needed), between 2^23 (what streaming compressors up
// to level 19 ask for when they do not know the size) and 2^27, zstd's own default cap
// (ZSTD_WINDOWLOG_LIMIT_DEFAULT).
constexpr int kWindowLogMax = 27;
constexpr int kWindowLogMin = 23;

struct dctx_deleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

int window_log_for(std::size_t limit_bytes) {
  int log = kWindowLogMin;
  while (log < kWindowLogMax && (std::size_t{1} << log) < limit_bytes)
    ++log;
  return log;
}

}  // namespace

result<std::vector<char>> zstd_compress(std::string_view bytes) {
  std::vector<char> out(ZSTD_compressBound(bytes.size()));
  std::size_t written =
      ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), kZstdLevel);
  if (ZSTD_isError(written)) return errc::invalid_argument;
  out.resize(written);
  return out;
}

result<std::vector<char>> zstd_decompress(std::string_view bytes, std::size_t limit_bytes) {
  std::unique_ptr<ZSTD_DCtx, dctx_deleter> dctx(ZSTD_createDCtx());
  if (!dctx) return errc::invalid_argument;
  if (ZSTD_isError(
          ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log_for(limit_bytes)))) {
    return errc::invalid_argument;
  }
  bounded_output out(bytes.size(), limit_bytes);
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  std::size_t hint = 1;
  while (true) {
    std::span<char> room = out.room();
    ZSTD_outBuffer o{room.data(), room.size(), 0};
    std::size_t in_before = in.pos;
    hint = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(hint)) return errc::corrupt_compressed_batch;
    out.commit(o.pos);
    if (out.over_limit()) return errc::decompressed_batch_too_large;
    // 0: a frame ended and everything of it is flushed; more input would start the next frame.
    if (hint == 0 && in.pos == in.size) break;
    // No progress with room to write: the input ended inside a frame (or was empty).
    if (in.pos == in_before && o.pos == 0) return errc::corrupt_compressed_batch;
  }
  return out.take();
}

}  // namespace cairn::eventstore::codecs
