// The compression codecs of Kafka's RecordBatch v2: attributes bits 0-2 name the codec, and in a
// compressed batch everything after the 61-byte header (the records) is one compressed stream.
// The wire format of each codec is Kafka's:
//   gzip    a gzip stream (RFC 1952); zlib-wrapped and concatenated members decode too.
//   snappy  xerial snappy-java framing (magic "\x82SNAPPY\0", two big-endian int32 versions, then
//           blocks each prefixed by its big-endian int32 length), as the Java producer writes;
//           librdkafka writes one raw snappy block instead, and Kafka's decoder takes both, so
//           decompress() does too. compress() writes the xerial framing.
//   lz4     the LZ4 frame format (lz4frame.h) with independent blocks: Kafka's Java decoder
//           decompresses each block alone and reads one frame.
//   zstd    zstd frames (the content size may be absent).
//
// Every compressed byte is untrusted. decompress() never returns, nor allocates the output for,
// more than `decompressed_bytes_max` bytes: a few kilobytes that inflate to gigabytes (a
// decompression bomb) end with errc::decompressed_batch_too_large once the limit is passed,
// with no length field in the input trusted before it is checked against the limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"

namespace cairn::eventstore {

// Numbered as in the batch attributes (bits 0-2).
enum class compression_codec : std::int8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// What one batch's records may decompress to unless the caller says otherwise. A batch is at
// most kBatchBytesMaxDefault (16 MiB) on disk and Kafka producers cap a request at 1 MiB, so a
// legitimate batch stays far below; the limit is what a hostile one can make the broker allocate.
inline constexpr std::size_t kDecompressedBytesMaxDefault = 64 * 1024 * 1024;

// The codec of a batch's attributes. errc::unsupported_compression for bits 0-2 of 5, 6 or 7.
result<compression_codec> codec_of_attributes(std::int16_t attributes);

// "none", "gzip", "snappy", "lz4", "zstd" (Kafka's compression.type names), and back.
std::string_view codec_name(compression_codec codec);
std::optional<compression_codec> codec_from_name(std::string_view name);

// Compresses `bytes` into one stream of the codec's wire format (a copy for none). Fails only
// when the library does (out of memory): errc::invalid_argument.
result<std::vector<char>> compress(compression_codec codec, std::string_view bytes);

// Decompresses a whole stream of the codec's wire format. Errors:
//   errc::corrupt_compressed_batch      malformed, truncated, failed checksums, trailing bytes
//                                       after the last frame that are not another frame, or
//                                       (snappy) a block length past the input
//   errc::decompressed_batch_too_large  the output would pass decompressed_bytes_max
result<std::vector<char>> decompress(
    compression_codec codec, std::string_view bytes,
    std::size_t decompressed_bytes_max = kDecompressedBytesMaxDefault);

}  // namespace cairn::eventstore
