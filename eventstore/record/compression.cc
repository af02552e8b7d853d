#include "eventstore/record/compression.h"

#include <algorithm>
#include <limits>

#include "eventstore/errc.h"
#include "eventstore/record/batch_header.h"
#include "eventstore/record/compression_codecs.h"

namespace cairn::eventstore {

namespace codecs {

namespace {
// The first allocation: most record batches compress 2-5x, so a few times the input usually
// holds the output in one piece; never less than a page, never more than the limit allows.
constexpr std::size_t kFirstGuessRatio = 4;
constexpr std::size_t kFirstGuessBytesMin = 4096;
}  // namespace

bounded_output::bounded_output(std::size_t input_bytes, std::size_t limit_bytes)
    : limit_(limit_bytes) {
  const std::size_t capacity_max =
      limit_ == std::numeric_limits<std::size_t>::max() ? limit_ : limit_ + 1;
  std::size_t guess = input_bytes > capacity_max / kFirstGuessRatio
                          ? capacity_max
                          : std::max(input_bytes * kFirstGuessRatio, kFirstGuessBytesMin);
  buffer_.resize(std::min(guess, capacity_max));
}

std::span<char> bounded_output::room() {
  if (size_ == buffer_.size()) {
    const std::size_t capacity_max =
        limit_ == std::numeric_limits<std::size_t>::max() ? limit_ : limit_ + 1;
    std::size_t grown = buffer_.size() > capacity_max / 2 ? capacity_max : buffer_.size() * 2;
    buffer_.resize(std::max(grown, std::min(kFirstGuessBytesMin, capacity_max)));
  }
  return std::span<char>(buffer_.data() + size_, buffer_.size() - size_);
}

void bounded_output::commit(std::size_t bytes) {
  size_ += bytes;
}

std::vector<char> bounded_output::take() {
  buffer_.resize(size_);
  size_ = 0;
  return std::move(buffer_);
}

}  // namespace codecs

result<compression_codec> codec_of_attributes(std::int16_t attributes) {
  auto bits = attributes & batch_layout::kCompressionMask;
  if (bits > static_cast<int>(compression_codec::zstd)) return errc::unsupported_compression;
  return static_cast<compression_codec>(bits);
}

std::string_view codec_name(compression_codec codec) {
  switch (codec) {
    case compression_codec::none:
      return "none";
    case compression_codec::gzip:
      return "gzip";
    case compression_codec::snappy:
      return "snappy";
    case compression_codec::lz4:
      return "lz4";
    case compression_codec::zstd:
      return "zstd";
  }
  return "unknown";
}

std::optional<compression_codec> codec_from_name(std::string_view name) {
  for (auto codec : {compression_codec::none, compression_codec::gzip, compression_codec::snappy,
                     compression_codec::lz4, compression_codec::zstd}) {
    if (codec_name(codec) == name) return codec;
  }
  return std::nullopt;
}

result<std::vector<char>> compress(compression_codec codec, std::string_view bytes) {
  switch (codec) {
    case compression_codec::none:
      return std::vector<char>(bytes.begin(), bytes.end());
    case compression_codec::gzip:
      return codecs::gzip_compress(bytes);
    case compression_codec::snappy:
      return codecs::snappy_compress(bytes);
    case compression_codec::lz4:
      return codecs::lz4_compress(bytes);
    case compression_codec::zstd:
      return codecs::zstd_compress(bytes);
  }
  return errc::unsupported_compression;
}

result<std::vector<char>> decompress(compression_codec codec, std::string_view bytes,
                                     std::size_t decompressed_bytes_max) {
  switch (codec) {
    case compression_codec::none:
      if (bytes.size() > decompressed_bytes_max) return errc::decompressed_batch_too_large;
      return std::vector<char>(bytes.begin(), bytes.end());
    case compression_codec::gzip:
      return codecs::gzip_decompress(bytes, decompressed_bytes_max);
    case compression_codec::snappy:
      return codecs::snappy_decompress(bytes, decompressed_bytes_max);
    case compression_codec::lz4:
      return codecs::lz4_decompress(bytes, decompressed_bytes_max);
    case compression_codec::zstd:
      return codecs::zstd_decompress(bytes, decompressed_bytes_max);
  }
  return errc::unsupported_compression;
}

}  // namespace cairn::eventstore
