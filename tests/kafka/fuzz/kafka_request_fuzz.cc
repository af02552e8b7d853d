// A libFuzzer target over the Kafka request decoders (broker/kafka/decode_request.h): no network,
// no broker state. Built once per decoder family with KAFKA_FUZZ_API_KEY set to that API's key:
// the input's first byte picks a served version and the rest is the body, behind a well-formed
// header for that API and version, so the fuzzer spends its time inside the body decoder.
// Without KAFKA_FUZZ_API_KEY the whole input is one frame (header included): the header reader,
// the dispatch table's version checks and every body seam.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "broker/kafka/codec/writer.h"
#include "broker/kafka/decode_request.h"
#include "broker/kafka/dispatch.h"

namespace kafka = cairn::broker::kafka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
#ifdef KAFKA_FUZZ_API_KEY
  if (size < 1) return 0;
  const kafka::api_handler* api = kafka::find_api(KAFKA_FUZZ_API_KEY);
  if (api == nullptr) __builtin_trap();  // the build names an API the broker does not serve
  const int versions = api->max_version - api->min_version + 1;
  const auto version = static_cast<std::int16_t>(api->min_version + data[0] % versions);
  kafka::writer w(false);
  w.int16(KAFKA_FUZZ_API_KEY);
  w.int16(version);
  w.int32(1);
  w.nullable_string("fuzz");                         // client id: always classic
  if (api->flexible(version)) w.unsigned_varint(0);  // the header's tagged fields
  std::vector<std::byte> frame = w.take();
  frame.insert(frame.end(), bytes + 1, bytes + size);
  auto outcome = kafka::decode_request(frame);
  // The header above is well-formed and served: anything else is a bug in the harness.
  if (outcome == kafka::decode_outcome::short_header ||
      outcome == kafka::decode_outcome::unserved || outcome == kafka::decode_outcome::bad_header) {
    __builtin_trap();
  }
#else
  kafka::decode_request(std::span<const std::byte>(bytes, size));
#endif
  return 0;
}
