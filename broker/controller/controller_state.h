// controller_state: the cluster metadata every broker folds from the controller's committed log
// (topics, their configs and replica assignments, and the next producer id to grant).
// Deterministic: the same records applied in the same order give the same state and the same
// snapshot bytes on every broker, and a bad command is refused the same way everywhere. Pure: no
// I/O, no clock, not thread-safe (the broker applies from one strand and publishes copies).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/controller/commands.h"

namespace cairn::broker::controller {

struct topic_record {
  topic_config config;
  topic_assignment assignment;
  // The controller offset of the create: tells a topic from an earlier one of the same name
  // (deleted and recreated). config.id is the topic's Kafka id: the one the create named, or
  // for a create written before topics had ids, derived_topic_id(name, created_offset).
  std::int64_t created_offset = -1;
  // The controller offset of the topic's last create or alter: what an alter_topic's if_version
  // names (compare-and-set). Grows with every change of the topic.
  std::int64_t version = -1;

  bool operator==(const topic_record&) const = default;
};

// One topic's record as JSON, {"config":{...},"assignment":[[...]],"created_offset":N,
// "version":N}: a snapshot's topics, and what a stale forwarded alter is answered with.
std::string encode_topic_record(const topic_record& t);
// Untrusted bytes: errc::malformed_snapshot for anything encode_topic_record could not have
// written (a record without "version" is at its created offset).
result<topic_record> decode_topic_record(std::string_view text);

// A block of producer ids an allocate_producer_ids command granted: [first, first + count).
struct producer_id_grant {
  std::int32_t node = 0;
  std::int64_t first = 0;
  std::int64_t count = 0;

  bool operator==(const producer_id_grant&) const = default;
};

// One partition that appeared or went away, with its replicas: the broker opens or closes the
// replicas it is in (`involves(node)`).
struct partition_change {
  std::string topic;
  std::int32_t partition = 0;
  std::vector<std::int32_t> replicas;

  bool involves(std::int32_t node_id) const;
  bool operator==(const partition_change&) const = default;
};

struct state_change {
  std::vector<partition_change> created;
  std::vector<partition_change> removed;
  // Topics whose config an alter_topic replaced (their added partitions are in `created`).
  std::vector<std::string> altered;
  // An allocate_producer_ids command's block (it changes no topic).
  std::optional<producer_id_grant> granted;

  // No topic or partition changed (a grant alone leaves it empty).
  bool empty() const { return created.empty() && removed.empty() && altered.empty(); }
};

// Replicas and preferred leaderships per broker: the input of assign_replicas().
struct broker_load {
  std::int32_t replicas = 0;
  std::int32_t leaders = 0;

  bool operator==(const broker_load&) const = default;
};
using load_map = std::map<std::int32_t, broker_load>;

class controller_state {
 public:
  // Decodes and applies the record at `offset`. Offsets must grow; a record at or below
  // applied_offset() was applied already (a replay after restore()) and changes nothing.
  // Errors (no topic changes; the offset still counts as applied, so every broker skips it
  // alike): decode_command's, broker::errc::topic_already_exists, unknown_topic,
  // invalid_topic_config (also: an alter that changes the id or replication factor, or removes
  // partitions), controller::errc::invalid_assignment (also: an alter that moves existing
  // replicas), stale_topic_version (an alter whose if_version is not the topic's version),
  // producer_ids_exhausted (a block that would end past 2^63 - 1).
  result<state_change> apply(std::int64_t offset, std::string_view record_value);
  result<state_change> apply(std::int64_t offset, const command& c);
  // The checks apply() would make, without applying: the controller leader runs them before it
  // proposes, so that clients hear about a bad request at once.
  result<void> check(const command& c) const;

  const topic_record* topic(std::string_view name) const;
  const std::map<std::string, topic_record, std::less<>>& topics() const { return topics_; }
  // -1 before the first record.
  std::int64_t applied_offset() const { return applied_offset_; }
  // Replicas and preferred leaders per broker, over every topic (internal ones included).
  load_map load() const;
  // The first producer id the next grant may hand out: every id below it was granted.
  std::int64_t next_producer_id() const { return next_producer_id_; }

  // The whole state as JSON (deterministic bytes), e.g. for a compacted controller log:
  //   {"v":1,"applied_offset":N,"next_producer_id":N,"topics":[{"config":{...},
  //    "assignment":[[...]],"created_offset":N,"version":N},...]}
  // (a snapshot without next_producer_id or a topic's version, written before they existed,
  // restores them as 0 and created_offset).
  std::string snapshot() const;
  // errc::malformed_snapshot for anything snapshot() could not have written.
  static result<controller_state> restore(std::string_view snapshot);

  bool operator==(const controller_state&) const = default;

 private:
  result<void> check_create(const create_topic& c) const;
  result<void> check_alter(const alter_topic& c) const;
  result<void> check_allocate(const allocate_producer_ids& c) const;
  state_change do_apply(std::int64_t offset, const create_topic& c);
  state_change do_apply(const delete_topic& c);
  state_change do_apply(std::int64_t offset, const alter_topic& c);
  state_change do_apply(const allocate_producer_ids& c);

  std::map<std::string, topic_record, std::less<>> topics_;
  std::int64_t applied_offset_ = -1;
  std::int64_t next_producer_id_ = 0;
};

}  // namespace cairn::broker::controller
