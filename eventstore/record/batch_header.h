// The fixed 61-byte header of a Kafka RecordBatch v2, as it lies on disk and on the wire:
//
//   offset  size  field
//        0     8  baseOffset            -- outside the CRC: the leader assigns it in place
//        8     4  batchLength           -- bytes after this field
//       12     4  partitionLeaderEpoch  -- outside the CRC: the replication term
//       16     1  magic (= 2)
//       17     4  crc                   -- CRC32C of bytes [21, end of batch)
//       21     2  attributes
//       23     4  lastOffsetDelta
//       27     8  baseTimestamp
//       35     8  maxTimestamp
//       43     8  producerId
//       51     2  producerEpoch
//       53     4  baseSequence
//       57     4  records count
//       61        records...
//
// All integers are big-endian. See https://kafka.apache.org/documentation/#recordbatch.
#pragma once

#include <cstddef>
#include <cstdint>

#include "eventstore/record/endian.h"

namespace cairn::eventstore::batch_layout {

constexpr std::size_t kBaseOffset = 0;
constexpr std::size_t kBatchLength = 8;
constexpr std::size_t kPartitionLeaderEpoch = 12;
constexpr std::size_t kMagic = 16;
constexpr std::size_t kCrc = 17;
constexpr std::size_t kAttributes = 21;
constexpr std::size_t kLastOffsetDelta = 23;
constexpr std::size_t kBaseTimestamp = 27;
constexpr std::size_t kMaxTimestamp = 35;
constexpr std::size_t kProducerId = 43;
constexpr std::size_t kProducerEpoch = 51;
constexpr std::size_t kBaseSequence = 53;
constexpr std::size_t kRecordsCount = 57;
constexpr std::size_t kHeaderSize = 61;

// Bytes before batchLength's count starts: baseOffset and batchLength themselves.
constexpr std::size_t kLogOverhead = 12;
// The CRC covers everything from attributes to the end of the batch.
constexpr std::size_t kCrcStart = kAttributes;

constexpr std::int8_t kMagicV2 = 2;

// attributes bits
constexpr std::int16_t kCompressionMask = 0x07;
constexpr std::int16_t kTimestampTypeLogAppend = 0x08;
constexpr std::int16_t kTransactional = 0x10;
constexpr std::int16_t kControl = 0x20;
constexpr std::int16_t kDeleteHorizon = 0x40;

static_assert(kBatchLength == kBaseOffset + 8);
static_assert(kPartitionLeaderEpoch == kBatchLength + 4);
static_assert(kMagic == kPartitionLeaderEpoch + 4);
static_assert(kCrc == kMagic + 1);
static_assert(kAttributes == kCrc + 4);
static_assert(kLastOffsetDelta == kAttributes + 2);
static_assert(kBaseTimestamp == kLastOffsetDelta + 4);
static_assert(kMaxTimestamp == kBaseTimestamp + 8);
static_assert(kProducerId == kMaxTimestamp + 8);
static_assert(kProducerEpoch == kProducerId + 8);
static_assert(kBaseSequence == kProducerEpoch + 2);
static_assert(kRecordsCount == kBaseSequence + 4);
static_assert(kHeaderSize == kRecordsCount + 4);

}  // namespace cairn::eventstore::batch_layout

namespace cairn::eventstore {

// Reads the header fields of a batch whose first kHeaderSize bytes are at `p`. No validation:
// use record_batch_view::parse for bytes that are not already trusted.
struct batch_header {
  std::int64_t base_offset;
  std::int32_t batch_length;
  std::int32_t partition_leader_epoch;
  std::int8_t magic;
  std::uint32_t crc;
  std::int16_t attributes;
  std::int32_t last_offset_delta;
  std::int64_t base_timestamp;
  std::int64_t max_timestamp;
  std::int64_t producer_id;
  std::int16_t producer_epoch;
  std::int32_t base_sequence;
  std::int32_t records_count;

  static batch_header read(const char* p) {
    namespace L = batch_layout;
    return batch_header{
        .base_offset = load_be<std::int64_t>(p + L::kBaseOffset),
        .batch_length = load_be<std::int32_t>(p + L::kBatchLength),
        .partition_leader_epoch = load_be<std::int32_t>(p + L::kPartitionLeaderEpoch),
        .magic = load_be<std::int8_t>(p + L::kMagic),
        .crc = load_be<std::uint32_t>(p + L::kCrc),
        .attributes = load_be<std::int16_t>(p + L::kAttributes),
        .last_offset_delta = load_be<std::int32_t>(p + L::kLastOffsetDelta),
        .base_timestamp = load_be<std::int64_t>(p + L::kBaseTimestamp),
        .max_timestamp = load_be<std::int64_t>(p + L::kMaxTimestamp),
        .producer_id = load_be<std::int64_t>(p + L::kProducerId),
        .producer_epoch = load_be<std::int16_t>(p + L::kProducerEpoch),
        .base_sequence = load_be<std::int32_t>(p + L::kBaseSequence),
        .records_count = load_be<std::int32_t>(p + L::kRecordsCount),
    };
  }

  // Total bytes of the batch on disk, including baseOffset and batchLength.
  std::int64_t size_bytes() const { return batch_layout::kLogOverhead + batch_length; }
  std::int64_t last_offset() const { return base_offset + last_offset_delta; }
};

}  // namespace cairn::eventstore
