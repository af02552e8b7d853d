// A libFuzzer target over the Kafka request decoders (broker/kafka/decode_request.h): no network,
// no broker state, only cairn_kafka_requests linked. Built once per served API with
// KAFKA_FUZZ_API set to its api_key name: the input's first byte picks a served version and the
// rest is the body, behind a well-formed header for that API and version, so the fuzzer spends
// its time inside that API's decoder. Without KAFKA_FUZZ_API the whole input is one frame
// (header included): the header reader, the table of served versions and every decoder.
// kafka_fuzz_seeds writes a seed corpus in both forms.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "broker/kafka/decode_request.h"
#include "broker/kafka/served_apis.h"
#include "tests/support/kafka_sample_requests.h"

namespace kafka = cairn::broker::kafka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
#ifdef KAFKA_FUZZ_API
  if (size < 1) return 0;
  static const kafka::served_api* api =
      kafka::find_api(static_cast<std::int16_t>(kafka::api_key::KAFKA_FUZZ_API));
  if (api == nullptr) __builtin_trap();  // the build names an API the broker does not serve
  const int versions = api->max_version - api->min_version + 1;
  const auto version = static_cast<std::int16_t>(api->min_version + data[0] % versions);
  std::vector<std::byte> frame = cairn::test::kafka_sample_header(
      api->key, version, kafka::request_is_flexible(*api, version));
  frame.insert(frame.end(), bytes + 1, bytes + size);
  auto outcome = kafka::decode_request(frame);
  // The header above is well-formed and served: anything else is a bug in the decoders' seam.
  if (outcome != kafka::decode_outcome::decoded && outcome != kafka::decode_outcome::refused) {
    __builtin_trap();
  }
#else
  kafka::decode_request(std::span<const std::byte>(bytes, size));
#endif
  return 0;
}
