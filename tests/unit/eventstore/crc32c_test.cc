#include "eventstore/record/crc32c.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

using namespace cairn::eventstore;

TEST_CASE("crc32c matches the published check value and RFC 3720 vectors", "[crc32c]") {
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  CHECK(crc32c(ascending) == 0x46DD794Eu);
  CHECK(crc32c(descending) == 0x113FDB5Cu);
  CHECK(crc32c("") == 0u);
}

TEST_CASE("crc32c hardware and portable paths agree on every length and alignment", "[crc32c]") {
  std::mt19937_64 prng(42);
  std::string data(100'000 + 16, '\0');
  for (char& c : data)
    c = static_cast<char>(prng());
  for (std::size_t offset = 0; offset < 8; ++offset) {
    // Past 6 KiB the hardware path runs three interleaved chains and joins them.
    for (std::size_t size :
         {0, 1, 7, 8, 9, 63, 64, 65, 1000, 4096, 6143, 6144, 6145, 12288, 20000, 100'000}) {
      CHECK(crc32c_extend(0, data.data() + offset, size) ==
            crc32c_extend_portable(0, data.data() + offset, size));
    }
  }
}

TEST_CASE("crc32c_extend continues a running checksum", "[crc32c]") {
  std::string text = "the quick brown fox jumps over the lazy dog";
  for (std::size_t split = 0; split <= text.size(); ++split) {
    std::uint32_t first = crc32c_extend(0, text.data(), split);
    CHECK(crc32c_extend(first, text.data() + split, text.size() - split) == crc32c(text));
  }
}
