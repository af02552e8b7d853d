// Internal to compression.cc: one compress/decompress pair per codec (compression_<codec>.cc)
// and the bounded output buffer every decoder writes into.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"

namespace cairn::eventstore::codecs {

// A decoder's output: grows geometrically, from a guess based on the input size, but never past
// limit + 1 bytes. The extra byte is how a decoder learns that a stream is over the limit: it
// was given room for more than the limit and used it.
class bounded_output {
 public:
  bounded_output(std::size_t input_bytes, std::size_t limit_bytes);

  // Free space after the decoded bytes; grows the buffer when it is full. Never empty while
  // !over_limit().
  std::span<char> room();
  // The decoder wrote `bytes` at the start of room().
  void commit(std::size_t bytes);
  bool over_limit() const { return size_ > limit_; }
  std::size_t size() const { return size_; }
  // The decoded bytes; the buffer is empty afterwards.
  std::vector<char> take();

 private:
  std::vector<char> buffer_;
  std::size_t size_ = 0;
  std::size_t limit_;
};

result<std::vector<char>> gzip_compress(std::string_view bytes);
result<std::vector<char>> gzip_decompress(std::string_view bytes, std::size_t limit_bytes);
result<std::vector<char>> snappy_compress(std::string_view bytes);
result<std::vector<char>> snappy_decompress(std::string_view bytes, std::size_t limit_bytes);
result<std::vector<char>> lz4_compress(std::string_view bytes);
result<std::vector<char>> lz4_decompress(std::string_view bytes, std::size_t limit_bytes);
result<std::vector<char>> zstd_compress(std::string_view bytes);
result<std::vector<char>> zstd_decompress(std::string_view bytes, std::size_t limit_bytes);

}  // namespace cairn::eventstore::codecs
