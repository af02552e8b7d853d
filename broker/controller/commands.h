// The controller's commands: what its Raft log ("__cluster_metadata"/0) holds, one command per
// record value, as a versioned JSON object:
//
//   {"v":1,"type":"create_topic","config":{...topic.json...},"assignment":[[1,2,3],[2,3,1]]}
//   {"v":1,"type":"delete_topic","name":"orders"}
//   {"v":1,"type":"alter_topic","config":{...topic.json...},"assignment":[[1,2,3],[2,3,1],[3,1,2]]}
//
// "v" is the format version; a broker refuses a higher one (unsupported_command_version) rather
// than guessing. New command types are new "type" values with their own fields (room for
// reassignments, config changes), decoded into new variant members.
#pragma once

#include <cstdint>
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
struct alter_topic {
  topic_config config;
  topic_assignment assignment;

  bool operator==(const alter_topic&) const = default;
};

using command = std::variant<create_topic, delete_topic, alter_topic>;

std::string encode(const command& c);
// Untrusted bytes: errc::malformed_command (not JSON, missing or mistyped fields, a config that
// fails topic_config_from_json, an assignment whose shape is not partitions x replicas of ids
// above 0), unsupported_command_version, unknown_command. Never throws.
result<command> decode_command(std::string_view bytes);

// The checks shared by decode and apply: one replica list per partition, replication_factor
// replicas each, ids > 0, no id twice in a partition. errc::invalid_assignment.
result<void> check_assignment(const topic_config& config, const topic_assignment& assignment);

}  // namespace cairn::broker::controller
