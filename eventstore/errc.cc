#include "eventstore/errc.h"

#include <string>

namespace cairn::eventstore {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.eventstore"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::batch_too_short:
        return "record batch is truncated";
      case errc::batch_length_invalid:
        return "record batch length is invalid";
      case errc::unsupported_magic:
        return "record batch magic is not 2 (only v2 is supported)";
      case errc::crc_mismatch:
        return "record batch CRC32C mismatch";
      case errc::unsupported_compression:
        return "record batch compression codec is unknown (attributes bits 0-2 are 5, 6 or 7)";
      case errc::record_count_invalid:
        return "record count does not match the batch contents";
      case errc::record_malformed:
        return "record is malformed";
      case errc::offset_delta_invalid:
        return "record offset deltas are invalid";
      case errc::batch_too_large:
        return "record batch is larger than the maximum";
      case errc::offset_out_of_range:
        return "offset is out of range";
      case errc::offset_not_monotonic:
        return "batch offsets are not monotonic";
      case errc::log_closed:
        return "log is closed";
      case errc::stream_key_too_long:
        return "stream key is too long";
      case errc::wrong_expected_version:
        return "wrong expected version";
      case errc::corrupt_index:
        return "index is inconsistent with its segment";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::key_too_long:
        return "key is longer than the LMDB key size limit";
      case errc::corrupt_value:
        return "stored value is corrupt (too short or unknown format)";
      case errc::log_locked:
        return "log directory is locked by another open log (is another broker running on it?)";
      case errc::corrupt_compressed_batch:
        return "compressed records of a batch are corrupt or truncated";
      case errc::decompressed_batch_too_large:
        return "compressed records of a batch decompress past the size limit";
    }
    return "unknown eventstore error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& eventstore_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace cairn::eventstore
