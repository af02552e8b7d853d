// group_registry: the groups of one `__consumer_offsets` partition, as its leader coordinates
// them. Sans-I/O like group_fsm: it routes each request to its group (creating groups on first
// join or standalone commit, forgetting groups left with nothing), and says which records each
// call must write.
//
// What the I/O shell (broker/group/coordinator, later) must do, from one thread:
//   1. After every call, append `records` (in order, as one batch) to this registry's
//      `__consumer_offsets` partition, and only once they are durable send the call's `response`
//      (if any) and every `completions` entry to the request its token names. The registry
//      changes state at once, so a later call may answer from state whose records are still in
//      flight (a follower's sync in a group that just became Stable, a fetch of an offset just
//      committed): a call with no records of its own should still wait until every record
//      appended before it is durable. It may answer at once only when nothing is in flight.
//   2. If the append fails, the registry is ahead of the log: answer those requests with a
//      retriable error (not_coordinator), drop this registry and rebuild it from the log.
//   3. Keep one timer: after every call set it to next_deadline() (nullopt: none); when it fires,
//      call expire(now) and handle its output like any call (it may complete held joins and
//      syncs and write records).
//   4. On becoming the partition's leader (or at start), replay() every record of the partition
//      in log order (key bytes; value bytes, or nullopt for a tombstone), then finish_replay().
//      Until then, answer coordinator_not_available.
//   5. Pass now_ms from one monotonic clock, and a random member_id_seed per start.
//
// Costs: expire() and next_deadline() visit every group and member (fine for the few hundred
// groups a partition usually holds; a deadline heap is the next step if that changes).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "broker/group/group.h"
#include "broker/group/offsets_codec.h"
#include "cairn/base/result.h"

namespace cairn::broker::group {

struct registry_config {
  std::int32_t partition = 0;         // the __consumer_offsets partition coordinated here
  std::int32_t partitions_count = 1;  // of __consumer_offsets (Kafka's default is 50)
  group_config group;
  std::uint64_t member_id_seed = 0;  // random per start: member ids must differ across restarts
};

// What a call produced. `records` must be durable before `response` and `completions` are sent.
template <class T>
struct registry_output {
  T response;
  std::vector<offsets_record> records;
  std::vector<completion> completions;  // held requests (of this or other members) now answered
};

struct group_listing {
  std::string group_id;
  std::string protocol_type;
  group_state state = group_state::empty;
  friend bool operator==(const group_listing&, const group_listing&) = default;
};

struct replay_summary {
  std::size_t groups = 0;           // groups restored
  std::size_t offsets = 0;          // committed offsets restored
  std::size_t foreign_records = 0;  // records of groups that hash to another partition (skipped)
};

struct rebuild_outcome {
  std::error_code error;         // set: the first record that could not be decoded
  std::size_t record_index = 0;  // its index, when error is set
  replay_summary summary;
};

class group_registry {
 public:
  explicit group_registry(const registry_config& config);

  // The group calls (group.h documents their rules and errors). Besides those, a request for a
  // group id that is empty or too long answers invalid_group_id, and one for a group of another
  // partition not_coordinator. Requests other than a new member's join or a standalone commit
  // (kNoGeneration) find no group to create: unknown_member_id (commit: illegal_generation).
  registry_output<std::optional<join_response>> join(const join_request& request,
                                                     request_token token, std::int64_t now_ms);
  registry_output<std::optional<sync_response>> sync(const sync_request& request,
                                                     request_token token, std::int64_t now_ms);
  std::error_code heartbeat(const heartbeat_request& request, std::int64_t now_ms);  // no records
  registry_output<leave_response> leave(const leave_request& request, std::int64_t now_ms);
  registry_output<commit_response> commit_offsets(const commit_request& request,
                                                  std::int64_t now_ms);
  registry_output<commit_response> reset_offsets(const std::string& group_id,
                                                 const std::vector<offset_commit_entry>& entries,
                                                 std::int64_t now_ms);
  // DeleteGroups: writes a tombstone for every offset and for the group. Errors:
  // group_id_not_found, non_empty_group, invalid_group_id, not_coordinator.
  registry_output<std::error_code> delete_group(const std::string& group_id, std::int64_t now_ms);

  // Every group's expire(); groups left with nothing are forgotten (a tombstone if they were
  // ever written). The response is next_deadline().
  registry_output<std::optional<std::int64_t>> expire(std::int64_t now_ms);
  std::optional<std::int64_t> next_deadline() const;

  // Reads. An unknown group has no offsets, and describes as Dead with no members.
  result<std::vector<fetched_offset>> fetch_offsets(
      const std::string& group_id,
      const std::optional<std::vector<topic_partition>>& partitions) const;
  result<group_description> describe(const std::string& group_id) const;
  std::vector<group_listing> list_groups() const;
  std::size_t size() const { return groups_.size(); }

  // Rebuild from the log: replay() each record in log order (last write wins, a tombstone
  // deletes), then finish_replay(now_ms) restores the groups (group_fsm::restore). An error is
  // a record that does not decode: nothing was applied for it, and the shell decides (the safe
  // choice is to refuse to serve the partition and report the offset). Records of groups that
  // belong to another partition are skipped. REQUIRES: no groups yet (a fresh registry).
  std::error_code replay(std::string_view key, std::optional<std::string_view> value);
  replay_summary finish_replay(std::int64_t now_ms);
  // replay() over `records` and finish_replay(); stops at the first bad record, staging nothing.
  rebuild_outcome rebuild(std::span<const offsets_record> records, std::int64_t now_ms);

 private:
  std::error_code check_group_id(std::string_view group_id) const;
  group_fsm* find(std::string_view group_id);
  const group_fsm* find(std::string_view group_id) const;
  group_fsm& create(const std::string& group_id);
  // Moves the group's write and completions into `out`, then forgets the group if it is vacant.
  template <class T>
  void collect(const std::string& group_id, registry_output<T>& out);
  void append_offset_records(const std::string& group_id,
                             const std::vector<offset_commit_entry>& entries,
                             const commit_response& response, std::int64_t now_ms,
                             std::vector<offsets_record>& records) const;

  registry_config config_;
  std::uint64_t seed_state_;
  std::map<std::string, group_fsm, std::less<>> groups_;
  // Replay staging: the last value of each key seen so far.
  std::map<std::string, group_metadata_value, std::less<>> staged_groups_;
  std::map<std::pair<std::string, topic_partition>, offset_commit_value> staged_offsets_;
  std::size_t staged_foreign_ = 0;
};

}  // namespace cairn::broker::group
