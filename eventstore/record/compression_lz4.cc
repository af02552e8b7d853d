// lz4 (Kafka codec 3): the LZ4 frame format. Kafka's Java decoder (KafkaLZ4BlockInputStream)
// decompresses each block on its own and reads a single frame, so we write one frame of
// independent 64 KiB blocks (Kafka's own choice), and read any valid frames.
#include <lz4frame.h>

#include <memory>

#include "eventstore/errc.h"
#include "eventstore/record/compression_codecs.h"

namespace cairn::eventstore::codecs {
namespace {

struct dctx_deleter {
  void operator()(LZ4F_dctx* d) const { LZ4F_freeDecompressionContext(d); }
};

}  // namespace

result<std::vector<char>> lz4_compress(std::string_view bytes) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  std::vector<char> out(LZ4F_compressFrameBound(bytes.size(), &prefs));
  std::size_t written =
      LZ4F_compressFrame(out.data(), out.size(), bytes.data(), bytes.size(), &prefs);
  if (LZ4F_isError(written)) return errc::invalid_argument;
  out.resize(written);
  return out;
}

result<std::vector<char>> lz4_decompress(std::string_view bytes, std::size_t limit_bytes) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return errc::invalid_argument;
  }
  std::unique_ptr<LZ4F_dctx, dctx_deleter> dctx(raw);
  bounded_output out(bytes.size(), limit_bytes);
  const char* in = bytes.data();
  std::size_t in_left = bytes.size();
  // The frame decoder keeps at most one block (<= 4 MiB, the format's largest) of its own.
  while (true) {
    std::span<char> room = out.room();
    std::size_t written = room.size();
    std::size_t consumed = in_left;
    std::size_t hint = LZ4F_decompress(dctx.get(), room.data(), &written, in, &consumed, nullptr);
    if (LZ4F_isError(hint)) return errc::corrupt_compressed_batch;
    in += consumed;
    in_left -= consumed;
    out.commit(written);
    if (out.over_limit()) return errc::decompressed_batch_too_large;
    // 0: a frame ended (the context is ready for the next one, if more input follows).
    if (hint == 0 && in_left == 0) break;
    // No progress with room to write: the input ended inside a frame (or was empty).
    if (consumed == 0 && written == 0) return errc::corrupt_compressed_batch;
  }
  return out.take();
}

}  // namespace cairn::eventstore::codecs
