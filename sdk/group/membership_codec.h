// The bytes a consumer-group member puts in JoinGroup (its subscription) and the leader puts in
// SyncGroup (each member's assignment). The broker relays them without reading them, so they
// are untrusted input from other clients: decode checks every length, count and value against
// the bytes left and against the limits below before it allocates or reads, and answers
// errc::malformed_group_data for anything off. Encode refuses (same error) what decode would.
//
// Format, version 1. Little-endian fixed-width integers; no padding, no alignment.
//
//   string    := u16 length, then `length` bytes           1 <= length <= topic_bytes_max
//   bytes     := i32 length, then `length` bytes           -1: absent; 0..user_data_bytes_max
//   partitions := u32 topic_count                          topic_count <= topics_max
//                 topic_count x { string topic,
//                                 u32 count,                1 <= count
//                                 count x i32 partition }   0 <= partition
//
//   subscription := u16 version                            >= 1 (this build writes 1)
//                   u32 topic_count, topic_count x string  topic_count <= topics_max
//                   partitions owned
//                   i32 generation                         >= -1 (-1: none)
//                   bytes user_data
//
//   assignment   := u16 version                            >= 1 (this build writes 1)
//                   partitions assigned
//                   bytes user_data
//
// Canonical form, required by decode, produced by encode: topic lists strictly increasing
// (bytewise), so no topic appears twice in one list; partitions strictly increasing within their
// topic; in all at most partitions_max partitions. So every valid value has exactly one encoding.
//
// Versions: a later version may only append fields after user_data. Decode reads a version-1
// prefix from any version >= 1 and ignores what follows it when the version is above 1 (so an
// older member can still read a newer one, as Kafka's ConsumerProtocol does); version 1 must end
// exactly after user_data. Version 0 is invalid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/types.h"

namespace cairn::sdk {

// Limits on decoded input, each with what it stops.
struct membership_limits {
  // Kafka's topic name limit. Longer names cannot exist, and each owned or assigned partition
  // copies its topic's name, so this bounds the memory a short input can ask for.
  static constexpr std::size_t topic_bytes_max = 249;
  // Topics in one list. Stops a list of millions of 3-byte names (each a std::string of 32+
  // bytes: a 10x blow-up of the input in memory and time).
  static constexpr std::size_t topics_max = 10'000;
  // Partitions in one owned or assigned list. Each 4-byte entry decodes to a topic_partition that
  // copies its topic name (up to ~290 bytes): this caps that at ~30 MB per decode.
  static constexpr std::size_t partitions_max = 100'000;
  // The application's opaque user data (Kafka's userData).
  static constexpr std::size_t user_data_bytes_max = std::size_t{1} << 20;
};

inline constexpr std::uint16_t membership_version = 1;

// A member's JoinGroup metadata. member_id and group.instance.id travel beside it (the broker
// adds them), so they are not in here; see member_subscription in assignor.h.
struct subscription_metadata {
  std::vector<std::string> topics;     // decoded: sorted, distinct
  std::vector<topic_partition> owned;  // decoded: sorted by (topic, partition), distinct
  std::int32_t generation = -1;        // the generation `owned` was assigned in; -1: none
  std::optional<std::string> user_data;

  bool operator==(const subscription_metadata&) const = default;
};

// What the leader tells one member in SyncGroup.
struct assignment_metadata {
  std::vector<topic_partition> partitions;  // decoded: sorted by (topic, partition), distinct
  std::optional<std::string> user_data;

  bool operator==(const assignment_metadata&) const = default;
};

// Encodes in version 1, in canonical form: topics and partitions are sorted and duplicates
// dropped, whatever order the caller gave. errc::malformed_group_data if a topic name is empty
// or over topic_bytes_max, a partition is negative, a list is over its limit, the generation is
// below -1 or the user data is over user_data_bytes_max.
result<std::string> encode_subscription(const subscription_metadata& subscription);
result<std::string> encode_assignment(const assignment_metadata& assignment);

// Decodes what a member sent. errc::malformed_group_data if the bytes end early, have bytes left
// over (version 1), carry version 0, or break any rule of the format or limit above.
result<subscription_metadata> decode_subscription(std::string_view bytes);
result<assignment_metadata> decode_assignment(std::string_view bytes);

}  // namespace cairn::sdk
