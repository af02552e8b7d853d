// Writes the fuzz targets' seed corpus: for every served API and version, its valid sample
// request (tests/support/kafka_sample_requests.h) as DIR/<api>/v<N> in the per-API targets' form
// (a version byte, then the body) and as DIR/frame/<api>-v<N> (a whole frame, header included).
//   kafka_fuzz_seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "broker/kafka/api_key.h"
#include "broker/kafka/served_apis.h"
#include "tests/support/kafka_sample_requests.h"

namespace kafka = cairn::broker::kafka;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::vector<std::byte>& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  fs::create_directories(root / "frame");
  int files = 0;
  for (const kafka::served_api& api : kafka::served_apis()) {
    const fs::path dir = root / kafka::api_name(api.key);
    fs::create_directories(dir);
    for (std::int16_t v = api.min_version; v <= api.max_version; ++v) {
      const bool flexible = kafka::request_is_flexible(api, v);
      std::vector<std::byte> seed{static_cast<std::byte>(v - api.min_version)};
      std::vector<std::byte> body = cairn::test::kafka_sample_body(api.key, v, flexible);
      seed.insert(seed.end(), body.begin(), body.end());
      write_file(dir / ("v" + std::to_string(v)), seed);
      write_file(
          root / "frame" / (std::string(kafka::api_name(api.key)) + "-v" + std::to_string(v)),
          cairn::test::kafka_sample_frame(api, v));
      files += 2;
    }
  }
  std::printf("%d seed files under %s\n", files, root.c_str());
  return 0;
}
