#include "protocol/sasl/base64.h"

#include <catch2/catch.hpp>
#include <string>

#include "protocol/sasl/errc.h"

using namespace cairn::sasl;

namespace {

std::string decoded_text(std::string_view b64) {
  auto decoded = base64_decode(b64);
  REQUIRE(decoded);
  return std::string(decoded.value().begin(), decoded.value().end());
}

}  // namespace

TEST_CASE("base64 matches the RFC 4648 test vectors", "[sasl][base64]") {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"},
                                                                   {"n,,", "biws"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(decoded_text(encoded) == plain);
  }
}

TEST_CASE("base64 round trips every byte value", "[sasl][base64]") {
  bytes all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<std::uint8_t>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const bytes part(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    auto decoded = base64_decode(base64_encode(part));
    REQUIRE(decoded);
    CHECK(decoded.value() == part);
  }
}

TEST_CASE("base64 refuses non-canonical input", "[sasl][base64]") {
  for (std::string_view bad : {"Zg", "Zg=", "Zg===", "Z===", "====", "Zh==", "Zm9=", "Zm 9v",
                               "Zm9v\n", "Zm-v", "Zm_v", "=Zm9", "Zg==Zg==", "Zm9vY", "Zm\0v"}) {
    INFO(bad);
    auto decoded = base64_decode(bad);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error() == errc::invalid_encoding);
  }
  // A NUL inside the text, spelled with its length.
  CHECK_FALSE(base64_decode(std::string_view("Zm\0v", 4)));
}
