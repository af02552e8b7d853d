// The bytes a consumer-group member puts in JoinGroup (its subscription) and the leader puts in
// SyncGroup (each member's assignment), in Kafka's ConsumerProtocol format, so SDK members and
// Kafka clients (librdkafka, the Java client, KafkaJS) can share one group and lead each other.
// The broker relays these bytes without reading them, so they are untrusted input from other
// clients: decode checks every length, count and value against the bytes left and against the
// limits below before it allocates or reads, and answers errc::malformed_group_data for anything
// off. Encode refuses (same error) what decode would.
//
// Format: Kafka's ConsumerProtocolSubscription and ConsumerProtocolAssignment (clients/src/main/
// resources/common/message/ in apache/kafka), classic (non-flexible) encoding, big-endian, no
// padding.
//
//   string     := int16 length, then `length` bytes       topic: 1 <= length <= topic_bytes_max
//   nullable_string := int16 length, then `length` bytes  -1: null
//   bytes      := int32 length, then `length` bytes       -1: null; 0..user_data_bytes_max
//   partitions := int32 topic_count                       0 <= topic_count <= topics_max
//                 topic_count x { string topic,
//                                 int32 count,            0 <= count
//                                 count x int32 partition }   0 <= partition
//
//   subscription := int16 version                         >= 0 (this build writes 3)
//                   int32 topic_count, topic_count x string    topic_count <= topics_max
//                   bytes user_data
//                   partitions owned                      version >= 1
//                   int32 generation                      version >= 2; >= -1 (-1: none)
//                   nullable_string rack_id               version >= 3
//
//   assignment   := int16 version                         >= 0 (this build writes 3; every
//                   partitions assigned                        version so far has these fields)
//                   bytes user_data
//
// Versions (Kafka's rule): a later version may only append fields. Decode reads the fields of
// min(version, 3) and ignores whatever follows them when the version is above 3, so this build
// reads what a newer client writes; a version 0-3 encoding must end exactly after its last field.
// Fields a version lacks decode to their defaults (owned empty, generation -1, rack_id null).
//
// Order: Kafka clients write topics and partitions in any order, so decode accepts any order and
// repeats, and returns the lists sorted with repeats dropped (a topic repeated in `partitions`
// merges; a topic with no partitions adds nothing). Encode writes that sorted, repeat-free form,
// so a value has one encoding.
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
  // Topic entries in one list. Stops a list of millions of 3-byte names (each a std::string of
  // 32+ bytes: a 10x blow-up of the input in memory and time).
  static constexpr std::size_t topics_max = 10'000;
  // Partition entries in one owned or assigned list (repeats counted). Each 4-byte entry decodes
  // to a topic_partition that copies its topic name (up to ~290 bytes): this caps that at ~30 MB
  // per decode.
  static constexpr std::size_t partitions_max = 100'000;
  // The application's opaque user data (Kafka's userData).
  static constexpr std::size_t user_data_bytes_max = std::size_t{1} << 20;
  // The rack id needs no limit of its own: its int16 length caps it at 32767 bytes.
};

// The highest versions this build reads field by field, and the ones it writes: the Java
// client's (3.5 and later) and librdkafka's (2.3 and later) subscription version, so a Kafka
// leader reads our owned partitions (v1+) and generation (v2+). librdkafka 2.0 writes
// subscription v1 and assignment v0 and reads any version, as every Kafka client does.
inline constexpr std::int16_t subscription_version = 3;
inline constexpr std::int16_t assignment_version = 3;

// A member's JoinGroup metadata. member_id and group.instance.id travel beside it (the broker
// adds them), so they are not in here; see member_subscription in assignor.h.
struct subscription_metadata {
  std::vector<std::string> topics;     // decoded: sorted, distinct
  std::vector<topic_partition> owned;  // decoded: sorted by (topic, partition), distinct
  std::int32_t generation = -1;        // the generation `owned` was assigned in; -1: none
  std::optional<std::string> user_data;
  std::optional<std::string> rack_id;  // client.rack (KIP-881)

  bool operator==(const subscription_metadata&) const = default;
};

// What the leader tells one member in SyncGroup.
struct assignment_metadata {
  std::vector<topic_partition> partitions;  // decoded: sorted by (topic, partition), distinct
  std::optional<std::string> user_data;

  bool operator==(const assignment_metadata&) const = default;
};

// Encodes in `version` (0-3), sorted and without repeats whatever order the caller gave.
// errc::malformed_group_data if the version is outside 0-3, a topic name is empty or over
// topic_bytes_max, a partition is negative, a list is over its limit, the generation is below
// -1, the user data is over user_data_bytes_max, the rack id is over 32767 bytes, or the value
// sets a field the version does not have (owned before 1, generation before 2, rack_id before 3:
// encoding would drop it silently).
result<std::string> encode_subscription(const subscription_metadata& subscription,
                                        std::int16_t version = subscription_version);
result<std::string> encode_assignment(const assignment_metadata& assignment,
                                      std::int16_t version = assignment_version);

// Decodes what a member sent. errc::malformed_group_data if the bytes end early, have bytes left
// over (versions 0-3), carry a negative version, or break any rule of the format or limit above.
result<subscription_metadata> decode_subscription(std::string_view bytes);
result<assignment_metadata> decode_assignment(std::string_view bytes);

}  // namespace cairn::sdk
