// Decodes the concatenated RecordBatch v2 bytes of a Fetch or ReadStream answer into records.
// Pure. Every batch is validated (CRC, framing) before a record is read.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/consumer.h"

namespace cairn::sdk {

// Appends to `out` the records of `bytes` with offset >= from_offset, at most `records_max` in
// all (out's size counts). Returns the offset after the last record taken, or from_offset when
// none was. A batch the broker returned may start below from_offset (skip its head). An
// incomplete batch at the end (a fetch cut at the byte budget) is ignored; a damaged one is
// protocol::errc::corrupt_batch. `consumed_bytes`, when given, gets the length of the leading
// batches that were wholly taken (or skipped): a later call may start after them.
result<std::int64_t> decode_records(std::string_view topic, std::int32_t partition,
                                    std::string_view bytes, std::int64_t from_offset,
                                    std::size_t records_max, std::vector<consumer_record>& out,
                                    std::size_t* consumed_bytes = nullptr);

}  // namespace cairn::sdk
