// The records of the internal compacted topic `__consumer_offsets`: key and value bytes, and which
// partition of that topic holds a group. The coordinator writes one record per committed offset
// and one per persisted group state; compaction keeps the last value of each key, and a null value
// (a tombstone) deletes the key.
//
// The layouts are Kafka's own non-flexible schemas for this topic (all integers big-endian; a
// string is an int16 length and that many bytes, a nullable string uses length -1 for null; bytes
// are an int32 length and the bytes; an array is an int32 count and the elements):
//
//   offset-commit key    int16 version (0 or 1; we write 1), string group, string topic,
//                        int32 partition
//   offset-commit value  int16 version (3), int64 offset, int32 leader_epoch (-1: unknown),
//                        string metadata, int64 commit_timestamp_ms
//   group-metadata key   int16 version (2), string group
//   group-metadata value int16 version (3), string protocol_type, int32 generation,
//                        nullable string protocol, nullable string leader,
//                        int64 current_state_timestamp_ms, array of members:
//                          string member_id, nullable string group_instance_id, string client_id,
//                          string client_host, int32 rebalance_timeout_ms,
//                          int32 session_timeout_ms, bytes subscription, bytes assignment
//
// Only these value versions are written or read; anything else is unknown_record_version.
//
// Decoding treats the bytes as untrusted (they come from disk): every length and count is checked
// against the bytes left before anything is allocated, trailing bytes are an error, and values no
// coordinator writes (negative offsets or generations, a leader that is not a member, duplicate
// member ids) are record_malformed. Errors are values; nothing here asserts on input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/base/strong_type.h"

namespace cairn::broker::group {

// A group's generation: bumped on every completed join phase. Kafka's int32; -1 means "no
// generation" (a standalone consumer's commit).
using generation_id = strong_type<std::int32_t, struct generation_id_tag>;
inline constexpr generation_id kNoGeneration{-1};

// The longest string the format can hold (int16 length).
inline constexpr std::size_t kRecordStringBytesMax = 32'767;

struct offset_commit_key {
  std::string group_id;
  std::string topic;
  std::int32_t partition = 0;
  friend bool operator==(const offset_commit_key&, const offset_commit_key&) = default;
};

struct offset_commit_value {
  log_offset offset{0};            // the next offset the group will consume
  std::int32_t leader_epoch = -1;  // Kafka's field; Cairn does not track it yet
  std::string metadata;
  std::int64_t commit_timestamp_ms = 0;
  friend bool operator==(const offset_commit_value&, const offset_commit_value&) = default;
};

struct group_metadata_key {
  std::string group_id;
  friend bool operator==(const group_metadata_key&, const group_metadata_key&) = default;
};

struct member_metadata {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::int32_t rebalance_timeout_ms = 0;
  std::int32_t session_timeout_ms = 0;
  std::string subscription;  // the member's metadata for the group's protocol
  std::string assignment;
  friend bool operator==(const member_metadata&, const member_metadata&) = default;
};

// A group as persisted: written when it becomes Stable (with the leader's assignments), when a
// join phase leaves it Empty, and when a static member is replaced without a rebalance.
struct group_metadata_value {
  std::string protocol_type;
  generation_id generation{0};
  std::optional<std::string> protocol_name;  // set iff members is non-empty
  std::optional<std::string> leader_id;      // set iff members is non-empty
  std::int64_t current_state_timestamp_ms = 0;
  std::vector<member_metadata> members;  // in join order; the leader is one of them
  friend bool operator==(const group_metadata_value&, const group_metadata_value&) = default;
};

using record_key = std::variant<offset_commit_key, group_metadata_key>;

// One record to append to (or read back from) `__consumer_offsets`. value nullopt: a tombstone.
struct offsets_record {
  std::string key;
  std::optional<std::string> value;
  friend bool operator==(const offsets_record&, const offsets_record&) = default;
};

// REQUIRES (asserted; the coordinator validates input first): every string fits kRecordStringBytes
// Max, offsets and generations are >= 0.
std::string encode_key(const offset_commit_key& key);
std::string encode_key(const group_metadata_key& key);
std::string encode_value(const offset_commit_value& value);
std::string encode_value(const group_metadata_value& value);

// The exact size encode_value(value) produces, without building it.
std::size_t encoded_size(const group_metadata_value& value);

// Errors: record_truncated, record_malformed, unknown_record_version.
result<record_key> decode_key(std::string_view bytes);
result<offset_commit_value> decode_offset_commit_value(std::string_view bytes);
result<group_metadata_value> decode_group_metadata_value(std::string_view bytes);

// The `__consumer_offsets` partition that holds (and whose leader coordinates) a group.
// Kafka uses abs(String.hashCode(groupId)) % count; clients never compute it (they ask
// FindCoordinator), so Cairn uses its one key hash instead: toPositive(murmur2(group_id)) % count,
// as for record keys (protocol/key_partitioner.h).
// REQUIRES: partitions_count > 0.
std::int32_t group_partition_for(std::string_view group_id, std::int32_t partitions_count);

}  // namespace cairn::broker::group
