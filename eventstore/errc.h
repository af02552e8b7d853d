// Errors of the eventstore: what can go wrong with bytes from disk or a caller, as std::error_code.
#pragma once

#include <system_error>

namespace cairn::eventstore {

enum class errc {
  ok = 0,
  batch_too_short,          // fewer bytes than a v2 batch header, or than its batchLength claims
  batch_length_invalid,     // batchLength outside [header, batch_bytes_max]
  unsupported_magic,        // magic byte is not 2 (only RecordBatch v2 is accepted)
  crc_mismatch,             // CRC32C over attributes..end does not match the stored value
  unsupported_compression,  // the codec bits name no known codec (5..7)
  record_count_invalid,     // record count negative, or records don't fill the batch exactly
  record_malformed,         // a record's varints or lengths run past the record or the batch
  offset_delta_invalid,     // record offset deltas not increasing, or lastOffsetDelta disagrees
  batch_too_large,          // larger than the configured maximum batch size
  offset_out_of_range,      // requested offset is below the log start or above the log end
  offset_not_monotonic,     // a batch's offsets do not follow the previous batch (recovery)
  log_closed,               // the log has been closed
  stream_key_too_long,      // a stream key longer than the stream index accepts
  wrong_expected_version,   // AppendToStream's expected version does not match the stream
  corrupt_index,            // an index file is inconsistent with its segment
  invalid_argument,         // a caller passed a value outside the documented range
  key_too_long,             // a key longer than LMDB accepts (mdb_env_get_maxkeysize, 511 bytes)
  corrupt_value,  // a value read from LMDB is shorter than its layout or of unknown format
  log_locked,     // another partition_log (in this or another process) has the directory open
  corrupt_compressed_batch,      // a compressed records section does not decompress
  decompressed_batch_too_large,  // a compressed records section inflates past the limit
};

const std::error_category& eventstore_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), eventstore_category()};
}

}  // namespace cairn::eventstore

template <>
struct std::is_error_code_enum<cairn::eventstore::errc> : std::true_type {};
