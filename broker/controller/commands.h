// The controller's commands: what its Raft log ("__cluster_metadata"/0) holds, one command per
// record value, as a versioned JSON object:
//
//   {"v":1,"type":"create_topic","config":{...topic.json...},"assignment":[[1,2,3],[2,3,1]]}
//   {"v":1,"type":"delete_topic","name":"orders"}
//   {"v":1,"type":"alter_topic","config":{...topic.json...},"assignment":[[1,2,3],[2,3,1],[3,1,2]],
//    "if_version":41}
//   {"v":1,"type":"allocate_producer_ids","node":2,"count":1000,"at_least":0}
//
// "v" is the format version; a broker refuses a higher one (unsupported_command_version) rather
// than guessing. New command types are new "type" values with their own fields (room for
// reassignments, config changes), decoded into new variant members.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "broker/topics/topic_config.h"
#include "cairn/base/result.h"

namespace cairn::broker::controller {

// Per partition (index = partition id), its replicas' node ids; the first is the preferred
// leader.
using topic_assignment = std::vector<std::vector<std::int32_t>>;

constexpr std::int64_t kCommandVersion = 1;
// Bounds on untrusted command bytes: a record is at most a frame, but decoding is
// O(partitions x replicas) in memory; these stop a corrupt record from allocating without end.
constexpr std::size_t kReplicasPerPartitionMax = 255;

struct create_topic {
  topic_config config;
  topic_assignment assignment;

  bool operator==(const create_topic&) const = default;
};

struct delete_topic {
  std::string name;

  bool operator==(const delete_topic&) const = default;
};

// A topic's new config and assignment, whole: its settings (retention, cleanup policy...)
// replaced, and partitions added at the end of the assignment. The name, id, replication factor
// and the existing partitions' replicas stay as they are (controller_state::check).
//
// Compare-and-set: the new config is computed from the topic as some broker saw it, at its
// version (topic_record::version, the controller offset of its last create or alter). With
// `if_version` set, the alter applies only while the topic is still at that version, and is
// refused stale_topic_version otherwise, so two alters computed from the same config never
// silently undo each other: the loser computes its change again from the newer config.
struct alter_topic {
  topic_config config;
  topic_assignment assignment;
  std::optional<std::int64_t> if_version;  // nullopt: unconditional (records written before it)

  bool operator==(const alter_topic&) const = default;
};

// A block of producer ids for broker `node` (Kafka's AllocateProducerIds, KIP-730): applying it
// grants [first, first + count) with first = max(the controller's next producer id, at_least),
// and moves the next producer id past the block. Every broker folds the same log, so no two
// grants ever overlap, whatever happens to a broker's own disk. `at_least` is the asking
// broker's own persisted end (producer_id_allocator), which a grant must not go below.
struct allocate_producer_ids {
  std::int32_t node = 0;
  std::int64_t count = 0;
  std::int64_t at_least = 0;

  bool operator==(const allocate_producer_ids&) const = default;
};
// A block is at most this many ids: an asker cannot spend the id space in a few commands.
constexpr std::int64_t kProducerIdBlockMax = std::int64_t{1} << 20;

using command = std::variant<create_topic, delete_topic, alter_topic, allocate_producer_ids>;

std::string encode(const command& c);
// Untrusted bytes: errc::malformed_command (not JSON, missing or mistyped fields, a config that
// fails topic_config_from_json, an assignment whose shape is not partitions x replicas of ids
// above 0, a negative if_version, a producer id block of a node id below 1, a count outside
// 1..kProducerIdBlockMax or a negative at_least), unsupported_command_version, unknown_command.
// Never throws.
result<command> decode_command(std::string_view bytes);

// The checks shared by decode and apply: one replica list per partition, replication_factor
// replicas each, ids > 0, no id twice in a partition. errc::invalid_assignment.
result<void> check_assignment(const topic_config& config, const topic_assignment& assignment);

}  // namespace cairn::broker::controller
