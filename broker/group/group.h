// group_fsm: one consumer group's coordinator state machine, with Kafka's GroupCoordinator rules
// for JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit. Sans-I/O: no sockets, threads
// or clocks. Every call takes now_ms (a monotonic clock, never going backwards), and the timers
// are a single "next deadline" the caller asks for and honours by calling expire().
//
// States (Kafka's):
//   Empty                no members (a group may still hold committed offsets)
//   PreparingRebalance   a join phase: members rejoin; their JoinGroup calls are held
//   CompletingRebalance  the join phase ended (new generation, leader chosen); waiting for the
//                        leader's SyncGroup with the assignments; followers' syncs are held
//   Stable               everyone has its assignment; heartbeats say NONE
//   Dead                 deleted; every call answers coordinator_not_available
//
// A join phase completes when every member has rejoined and no member id handed out with
// member_id_required is still outstanding, or when the rebalance timeout (the largest among the
// members, counted from the phase's start) passes; members that did not rejoin are then removed.
// A phase that starts from Empty also waits initial_rebalance_delay_ms (Kafka's
// group.initial.rebalance.delay.ms), extended by each new member up to the rebalance timeout, so
// that consumers starting together land in one generation. The generation is bumped by every
// completed phase (also one that leaves the group Empty).
//
// Deferred answers, and who owns what:
//   - join() and sync() take a request_token chosen by the caller (unique among the caller's
//     outstanding requests to this group; e.g. connection id and correlation id). They return the
//     response now, or nullopt: the group then holds the token, and the answer later comes out of
//     take_completions() as (token, response). The caller owns the request itself (connection,
//     correlation id); the group owns only the token, until it hands it back.
//   - Every held token is answered exactly once: a join when its phase completes, a sync when the
//     leader's assignments arrive; with rebalance_in_progress when a newer request of the same
//     member supersedes it or (a sync) when a new phase starts; with unknown_member_id or
//     fenced_instance_id when its member is removed or replaced. Held requests are bounded by
//     time: the rebalance timeout ends every phase. A response returned directly is never also in
//     take_completions().
//   - Completions become ready during any call (a join can complete everyone else's join). The
//     caller should drain take_completions() after every call.
//
// Persistence: the group does not write; it says what to write. At the points where Kafka stores
// the group (it becomes Stable with the leader's assignments; a join phase leaves it Empty; a
// static member is replaced without a rebalance) it captures snapshot(). After a call,
// take_metadata_write() hands over the latest capture, which must be appended to
// `__consumer_offsets` before any response of that call is sent; group_registry does this.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "broker/group/group_errc.h"
#include "broker/group/offsets_codec.h"
#include "cairn/base/strong_type.h"

namespace cairn::broker::group {

// The caller's handle on a held join or sync request.
using request_token = strong_type<std::uint64_t, struct request_token_tag>;

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view to_string(group_state state);

// Limits on what members may ask for. Every limit stops a client from making the coordinator hold
// or write without bound: the group's persisted record holds every member's subscription and
// assignment, and the whole group lives in memory.
struct group_config {
  // Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms: a shorter session makes
  // the coordinator do timer work for flapping members; a longer one keeps dead members' partitions
  // unconsumed.
  std::int32_t session_timeout_ms_min = 6'000;
  std::int32_t session_timeout_ms_max = 1'800'000;
  // A rebalance holds every member's join until it ends; Kafka allows up to INT32_MAX.
  std::int32_t rebalance_timeout_ms_max = INT32_MAX;
  // Kafka's group.initial.rebalance.delay.ms.
  std::int32_t initial_rebalance_delay_ms = 3'000;
  // Kafka's group.max.size (Kafka: unbounded). Members plus ids handed out with
  // member_id_required count.
  std::size_t members_max = 1'000;
  // Protocols one member may offer, and the bytes of each one's metadata (Kafka leaves both to
  // the request size).
  std::size_t protocols_max = 32;
  std::size_t protocol_metadata_bytes_max = 1024 * 1024;
  // One member's assignment, and the whole group-metadata record (every member's subscription and
  // assignment): it must fit one record batch of __consumer_offsets.
  std::size_t assignment_bytes_max = 1024 * 1024;
  std::size_t group_record_bytes_max = 8 * 1024 * 1024;
  // Kafka's offset.metadata.max.bytes.
  std::size_t offset_metadata_bytes_max = 4'096;
  // Group ids, client ids and hosts, instance ids, protocol types and names, topics (<= 32 767,
  // the record format's limit; asserted).
  std::size_t name_bytes_max = 1'024;
};

struct protocol {
  std::string name;
  std::string metadata;
  friend bool operator==(const protocol&, const protocol&) = default;
};

struct join_request {
  std::string group_id;
  std::string member_id;                         // empty: a new member
  std::optional<std::string> group_instance_id;  // set: a static member (KIP-345)
  std::string client_id;
  std::string client_host;  // filled in by the shell from the connection (may be empty)
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;        // e.g. "consumer"
  std::vector<protocol> protocols;  // in the member's order of preference
};

struct join_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;  // for the chosen protocol
  friend bool operator==(const join_member&, const join_member&) = default;
};

struct join_response {
  std::error_code error;
  generation_id generation = kNoGeneration;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader_id;
  std::string member_id;  // also set with member_id_required: the id to join with
  // KIP-814: a static leader that rejoined a Stable group without a rebalance gets the members
  // for its information, but must not compute a new assignment.
  bool skip_assignment = false;
  std::vector<join_member> members;  // only for the leader, in join order
};

struct member_assignment {
  std::string member_id;
  std::string assignment;
};

struct sync_request {
  std::string group_id;
  std::string member_id;
  generation_id generation = kNoGeneration;
  std::optional<std::string> group_instance_id;
  std::vector<member_assignment> assignments;  // only the leader's count (in CompletingRebalance)
};

struct sync_response {
  std::error_code error;
  std::string assignment;
};

struct heartbeat_request {
  std::string group_id;
  std::string member_id;
  generation_id generation = kNoGeneration;
  std::optional<std::string> group_instance_id;
};

// A member to remove: by member id, or a static member by instance id (member id then optional:
// an admin removal; if given it must be the instance's current member id).
struct leave_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct leave_request {
  std::string group_id;
  std::vector<leave_member> members;
};

struct leave_response {
  std::error_code error;                       // set: nobody was removed
  std::vector<std::error_code> member_errors;  // one per requested member, in order
};

struct offset_commit_entry {
  std::string topic;
  std::int32_t partition = 0;
  log_offset offset{0};
  std::string metadata;
};

struct commit_request {
  std::string group_id;
  std::string member_id;  // empty with kNoGeneration: a standalone consumer (group must be Empty)
  generation_id generation = kNoGeneration;
  std::optional<std::string> group_instance_id;
  std::vector<offset_commit_entry> entries;
};

struct commit_response {
  std::error_code error;                          // set: nothing was committed
  std::vector<std::error_code> partition_errors;  // one per entry, in order (when error is ok)
};

struct topic_partition {
  std::string topic;
  std::int32_t partition = 0;
  friend auto operator<=>(const topic_partition&, const topic_partition&) = default;
};

struct committed_offset {
  log_offset offset{0};
  std::string metadata;
  std::int64_t commit_timestamp_ms = 0;
  friend bool operator==(const committed_offset&, const committed_offset&) = default;
};

struct fetched_offset {
  topic_partition partition;
  std::optional<committed_offset> committed;  // nullopt: nothing committed (Kafka's offset -1)
  friend bool operator==(const fetched_offset&, const fetched_offset&) = default;
};

struct member_description {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;    // for the group's protocol (empty while no protocol is chosen)
  std::string assignment;  // from the last completed sync
  friend bool operator==(const member_description&, const member_description&) = default;
};

struct group_description {
  std::string group_id;
  group_state state = group_state::dead;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader_id;
  generation_id generation{0};
  std::vector<member_description> members;  // in join order
  friend bool operator==(const group_description&, const group_description&) = default;
};

struct completion {
  request_token token;
  std::variant<join_response, sync_response> response;
};

// The generator behind member ids (splitmix64: one 64-bit state, full period); group_registry
// also uses it to give each group its own seed.
std::uint64_t splitmix64(std::uint64_t& state);

class group_fsm {
 public:
  // member_id_seed: seeds the generator of member ids (Kafka: client id + "-" + a random UUID).
  // Pass a fresh random value per coordinator start, so ids differ across restarts.
  group_fsm(std::string group_id, const group_config& config, std::uint64_t member_id_seed);

  const std::string& id() const { return id_; }
  group_state state() const { return state_; }
  generation_id generation() const { return generation_; }

  // JoinGroup. Answers at once, or holds `token` (nullopt) until the join phase completes.
  // Errors in the response: coordinator_not_available, invalid_session_timeout,
  // invalid_rebalance_timeout, invalid_request, inconsistent_group_protocol,
  // protocol_metadata_too_large, group_max_size_reached, member_id_required (with the id to use),
  // unknown_member_id, fenced_instance_id, rebalance_in_progress (superseded by a newer join of the
  // same member).
  std::optional<join_response> join(const join_request& request, request_token token,
                                    std::int64_t now_ms);

  // SyncGroup. In CompletingRebalance a follower's sync is held until the leader's arrives; the
  // leader's assignments then answer everyone and the group is Stable. In Stable it returns the
  // member's assignment at once. Errors: coordinator_not_available, fenced_instance_id,
  // unknown_member_id, illegal_generation, rebalance_in_progress, group_metadata_too_large
  // (leader only; the group then rebalances).
  std::optional<sync_response> sync(const sync_request& request, request_token token,
                                    std::int64_t now_ms);

  // Heartbeat: keeps the member's session alive. Returns ok, rebalance_in_progress (rejoin),
  // illegal_generation, unknown_member_id, fenced_instance_id or coordinator_not_available.
  std::error_code heartbeat(const heartbeat_request& request, std::int64_t now_ms);

  // LeaveGroup: removes the members at once and starts a rebalance if any was removed.
  leave_response leave(const leave_request& request, std::int64_t now_ms);

  // Timers: removes members whose session expired and ids handed out with member_id_required that
  // were never used, completes a join phase whose timeout (or initial delay) passed, and removes
  // members that did not sync within the rebalance timeout after a join phase. Returns
  // next_deadline().
  std::optional<std::int64_t> expire(std::int64_t now_ms);

  // The earliest time at which expire() has something to do; nullopt: nothing pending. Right
  // after expire(now_ms) it is later than now_ms; after other calls it may already have passed
  // (the timer is late): call expire() then. Changes with every call: ask again after each one.
  std::optional<std::int64_t> next_deadline() const;

  // Answers to held join and sync requests that became ready, in the order they did.
  std::vector<completion> take_completions();

  // --- offsets ---

  // OffsetCommit. A member of the current generation commits in PreparingRebalance and Stable; a
  // standalone consumer (empty member id, kNoGeneration) only while the group is Empty. Errors
  // for the whole request: coordinator_not_available, unknown_member_id, fenced_instance_id,
  // illegal_generation, rebalance_in_progress. Per entry: offset_metadata_too_large,
  // invalid_request (empty or long topic, negative partition or offset). A successful commit also
  // counts as the member's heartbeat.
  commit_response commit_offsets(const commit_request& request, std::int64_t now_ms);

  // Sets offsets administratively (kafka-consumer-groups --reset-offsets); only while Empty
  // (non_empty_group otherwise). Per-entry errors as commit_offsets.
  commit_response reset_offsets(const std::vector<offset_commit_entry>& entries,
                                std::int64_t now_ms);

  // nullopt: every committed offset, ordered by topic and partition.
  std::vector<fetched_offset> fetch_offsets(
      const std::optional<std::vector<topic_partition>>& partitions) const;

  const std::map<topic_partition, committed_offset>& offsets() const { return offsets_; }

  group_description describe() const;

  // DeleteGroups: only when Empty (non_empty_group otherwise); the group becomes Dead and forgets
  // its offsets. The caller writes the tombstones (group_registry does).
  std::error_code mark_dead();

  // --- persistence ---

  // The group as its group-metadata record holds it.
  group_metadata_value snapshot() const;

  // The group-metadata value captured at the last persist point since the last take, if any.
  std::optional<group_metadata_value> take_metadata_write();

  // Restores a persisted group (rebuild after a restart): Empty if it has no members, else Stable
  // with the stored assignments, every member's session starting at now_ms. REQUIRES: a fresh
  // group (Empty, generation 0, no members); `value` decoded (so consistent).
  void restore(const group_metadata_value& value, std::int64_t now_ms);
  void restore_offset(const topic_partition& partition, const offset_commit_value& value);

  // Nothing left to keep: Empty, no members, no ids outstanding, no offsets, no completions
  // untaken. The registry then forgets the group (with a tombstone if it was ever persisted).
  bool is_vacant() const;
  // A group-metadata record was taken for writing, or restored, for this group.
  bool persisted() const { return persisted_; }

 private:
  struct member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    std::int32_t session_timeout_ms = 0;
    std::int32_t rebalance_timeout_ms = 0;
    std::vector<protocol> protocols;
    std::string assignment;
    std::uint64_t join_order = 0;  // smaller joined earlier; the leader is the earliest joined
    std::int64_t last_heard_ms = 0;
    std::optional<request_token> join_token;  // rejoined in this PreparingRebalance phase
    std::optional<request_token> sync_token;  // waiting for the leader's sync
  };

  std::error_code validate_join(const join_request& request, const member* existing) const;
  std::optional<join_response> join_impl(const join_request& request, request_token token,
                                         std::int64_t now_ms);
  std::optional<sync_response> sync_impl(const sync_request& request, request_token token,
                                         std::int64_t now_ms);
  std::error_code heartbeat_impl(const heartbeat_request& request, std::int64_t now_ms);
  leave_response leave_impl(const leave_request& request, std::int64_t now_ms);
  commit_response commit_impl(const commit_request& request, std::int64_t now_ms);
  std::optional<join_response> join_new_member(const join_request& request, request_token token,
                                               std::int64_t now_ms);
  std::optional<join_response> join_static_member(member& old, const join_request& request,
                                                  request_token token, std::int64_t now_ms);
  std::optional<join_response> join_known_member(member& m, const join_request& request,
                                                 request_token token, std::int64_t now_ms);
  member& add_member(std::string id, const join_request& request, std::int64_t now_ms);
  void update_member(member& m, const join_request& request, std::int64_t now_ms);
  // Holds the member's join, starts or continues a join phase, completes it if it can, and
  // returns the member's answer if that completed it.
  std::optional<join_response> hold_join(member& m, request_token token, std::int64_t now_ms);
  // The answer to `token` if it was completed at or after completions_[from], taken out of
  // completions_ (so it is returned directly, not also through take_completions()).
  template <class Response>
  std::optional<Response> take_own(request_token token, std::size_t from);

  std::error_code validate_member(const std::string& member_id,
                                  const std::optional<std::string>& instance_id) const;
  bool is_fenced(const std::string& member_id, const std::optional<std::string>& instance_id) const;
  member* find(const std::string& member_id);
  const member* find(const std::string& member_id) const;

  void prepare_rebalance(std::int64_t now_ms);
  void maybe_complete_join(std::int64_t now_ms);
  void complete_join(std::int64_t now_ms);
  std::string select_protocol() const;
  join_response current_join_response(const member& m) const;
  std::error_code check_assignments(const std::vector<member_assignment>& assignments) const;
  void apply_assignments(const std::vector<member_assignment>& assignments, std::int64_t now_ms);
  // Takes the member out and answers its held requests with `error`; nothing else changes.
  void erase_member(const std::string& member_id, errc error);
  // After members left or lapsed: start a join phase, or complete the running one if it can.
  void after_members_left(std::int64_t now_ms);
  void answer_held(member& m, errc error);
  bool holds(request_token token) const;  // a bug check: tokens are unique while held
  void transition(group_state to, std::int64_t now_ms);
  void elect_leader();
  std::string generate_member_id(std::string_view client_id);
  std::int32_t rebalance_timeout_ms() const;  // the largest among the members
  std::vector<const member*> members_in_join_order() const;
  commit_response store_offsets(const std::vector<offset_commit_entry>& entries,
                                std::int64_t now_ms);
  void observe(std::int64_t now_ms);
  void check_invariants() const;
  static bool name_ok(std::string_view name, std::size_t bytes_max);
  // The metadata a protocol list holds for `name`; nullptr if it lacks the protocol.
  static const std::string* metadata_for(const std::vector<protocol>& protocols,
                                         std::string_view name);

  std::string id_;
  group_config config_;
  std::uint64_t rng_state_;
  group_state state_ = group_state::empty;
  generation_id generation_{0};
  std::optional<std::string> protocol_type_;  // set while there are members
  std::optional<std::string> protocol_name_;  // set in CompletingRebalance and Stable
  std::optional<std::string> leader_id_;      // set while there are members
  std::map<std::string, member> members_;
  std::map<std::string, std::string> instances_;  // group instance id -> member id
  // Ids handed out with member_id_required -> the time they lapse (join time + session timeout).
  std::map<std::string, std::int64_t> pending_members_;
  std::uint64_t next_join_order_ = 0;
  std::int64_t state_timestamp_ms_ = 0;
  std::int64_t last_now_ms_ = 0;
  // PreparingRebalance: the phase ends by rebalance_deadline_ms_ at the latest, and not before
  // initial_delay_until_ms_ (0: no initial delay).
  std::int64_t rebalance_deadline_ms_ = 0;
  std::int64_t initial_delay_until_ms_ = 0;
  // CompletingRebalance: members that have not synced by then are removed.
  std::int64_t sync_deadline_ms_ = 0;
  std::map<topic_partition, committed_offset> offsets_;
  // A deque, not a vector: g++ 12 -O2 reports a false -Wmaybe-uninitialized in the variant's
  // move when a vector of completions reallocates.
  std::deque<completion> completions_;
  std::optional<group_metadata_value> pending_write_;  // see take_metadata_write()
  bool persisted_ = false;  // a group-metadata record was ever taken for writing, or restored
};

}  // namespace cairn::broker::group
