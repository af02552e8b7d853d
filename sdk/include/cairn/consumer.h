// cairn::consumer: reads partitions with long-poll Fetch, tracking one position per partition.
// Either the application assigns the partitions (assign) or the consumer joins a consumer group
// that shares the partitions of its topics among its members (subscribe; Kafka's group
// protocol). Not thread-safe: use one consumer from one thread at a time (as Kafka's).
//
// Groups, in short (sdk/README.md has the details):
//   - subscribe(topics, group, listener) joins at the next poll(). poll() does the group's work
//     (join, sync, revocations) and runs the listener's callbacks on the calling thread.
//   - Heartbeats run on the client's io thread on their own timer, so a slow handler keeps its
//     partitions; a member that does not call poll() for rebalance_timeout_ms (Kafka's
//     max.poll.interval.ms) leaves the group and finds its partitions lost at its next poll().
//   - Newly assigned partitions start at the group's committed offset, else per options.reset.
//   - commit() stores positions for the group; nothing is committed on its own unless
//     auto_commit is set (off by default: at-least-once needs commits after processing).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/client.h"

namespace cairn {

// Where a partition without a position starts (Kafka's auto.offset.reset); also what an
// offset out of range resets to. `none` makes both an error.
enum class offset_reset { earliest, latest, none };

struct consumer_options {
  offset_reset reset = offset_reset::earliest;
  std::int32_t fetch_bytes_max = 1 << 20;            // per poll
  std::int32_t partition_fetch_bytes_max = 1 << 20;  // per partition per poll
  std::size_t records_max = 10'000;                  // per poll

  // --- consumer groups (subscribe) ---
  // Static membership (KIP-345): a stable name for this member across restarts. A static member
  // that restarts within session_timeout_ms gets its partitions back without a rebalance, and
  // close() does not leave the group (as Kafka).
  std::optional<std::string> group_instance_id{};
  // No heartbeat for this long: the coordinator removes the member and rebalances. The broker
  // bounds it (Kafka's group.min/max.session.timeout.ms; Cairn's minimum is 6000).
  std::int32_t session_timeout_ms = 45'000;
  // How long the coordinator waits for members to rejoin in a rebalance, and the longest gap
  // between poll() calls before the member leaves the group (Kafka's max.poll.interval.ms).
  std::int32_t rebalance_timeout_ms = 300'000;
  std::int32_t heartbeat_interval_ms = 3'000;  // keep below a third of session_timeout_ms
  // Partition assignors to offer, in order of preference; the group picks one every member
  // offers. Known: "cooperative-sticky", "range", "roundrobin".
  std::vector<std::string> assignors = {"cooperative-sticky", "range"};
  // Off by default (Kafka's default is on): committing positions on a timer can commit records
  // the application has not finished with. With it on, poll() commits every
  // auto_commit_interval_ms, and before revocations and close().
  bool auto_commit = false;
  std::int64_t auto_commit_interval_ms = 5'000;
};

// Callbacks for group rebalances (Kafka's ConsumerRebalanceListener). They run inside poll() (and
// close()) on the thread that called it, or on the client's thread for async_poll; they may call
// this consumer's blocking functions (commit, seek, position) from poll(), but not from
// async_poll. Partitions come sorted; an unset callback is skipped.
struct rebalance_listener {
  // Newly assigned partitions (possibly none, after every completed rebalance). A seek here
  // replaces the committed offset as the start.
  std::function<void(const std::vector<topic_partition>&)> on_assigned{};
  // Partitions taken away in an orderly rebalance, before anyone else gets them: commit what
  // was processed. Eager assignors revoke everything before every rebalance; cooperative-sticky
  // only what moves.
  std::function<void(const std::vector<topic_partition>&)> on_revoked{};
  // Partitions lost: this member was dropped from the group (session timeout, a stale
  // generation, the max poll interval). Others may own them already: do not commit them.
  std::function<void(const std::vector<topic_partition>&)> on_lost{};
};

// The consumer's place in its group, for logs and for fencing an external store.
struct group_membership_info {
  std::string group_id{};
  std::string member_id{};       // empty before the first join
  std::int32_t generation = -1;  // -1 before the first completed rebalance
  std::string protocol{};        // the assignor the group agreed on
};

struct record_header {
  std::string key{};
  std::optional<std::string> value{};
};

struct consumer_record {
  std::string topic{};
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key{};
  std::optional<std::string> value{};
  std::vector<record_header> headers{};
  // timestamp_ms is the time the broker appended the record (its topic's message.timestamp.type
  // is LogAppendTime), not the producer's: Kafka's TimestampType.LOG_APPEND_TIME.
  bool log_append_time = false;
};

class consumer {
 public:
  consumer(client& c, consumer_options options = {});

  // close(): a group member revokes (listener) and leaves. REQUIRES: the client still exists.
  ~consumer();

  // Replaces the assignment. New partitions start per options.reset at the first poll.
  // try_assign: sdk::errc::subscription_conflict on a subscribed consumer (unsubscribe() first);
  // assign() treats that as a bug and aborts with the message. consumer_closed after close().
  result<void> try_assign(std::vector<topic_partition> partitions);
  void assign(std::vector<topic_partition> partitions);
  // The same on the client's executor (for coroutines that switch partitions, e.g. reading a
  // side topic): try_assign's errors.
  awaitable<result<void>> async_assign(std::vector<topic_partition> partitions);
  // The partitions this consumer reads: assigned, or owned in its group.
  std::vector<topic_partition> assignment() const;

  // Joins `group` (at the next poll) to share the partitions of `topics` with the other members.
  // Replaces an earlier subscription of the same group; another group needs unsubscribe() first.
  // sdk::errc::subscription_conflict after assign() with partitions (assign({}) first) or while
  // subscribed to another group; invalid_config for an empty group or topic list, an assignor
  // this client does not know, or timeouts that are not positive; consumer_closed after close().
  result<void> subscribe(std::vector<std::string> topics, std::string group,
                         rebalance_listener listener = {});
  // Leaves the group: auto-commits if enabled, revokes the owned partitions (on_revoked), sends
  // LeaveGroup (not for a static member). The consumer can then assign() or subscribe() again.
  void unsubscribe();
  std::optional<group_membership_info> group_membership() const;

  // Commits offsets for the group: the next offset to read per partition, tagged with the
  // member's generation, so a member the group has moved on from cannot overwrite its successor
  // (protocol::errc::illegal_generation or unknown_member_id; the next poll() reports the
  // partitions lost and rejoins). rebalance_in_progress: the group is between generations;
  // poll() and commit again. not_subscribed without subscribe(). The blocking forms wait up to
  // the client's request timeout, finding the coordinator again if it moved.
  // commit(): the current position of every owned partition that has one.
  result<void> commit();
  result<void> commit(std::map<topic_partition, std::int64_t> offsets, std::string metadata = {});
  awaitable<result<void>> async_commit();
  awaitable<result<void>> async_commit(std::map<topic_partition, std::int64_t> offsets,
                                       std::string metadata);
  // The group's committed offsets of these partitions; a partition without one is left out.
  result<std::map<topic_partition, std::int64_t>> committed(std::vector<topic_partition> tps);

  // Stops fetching these partitions (their positions stay) until resume(). A rebalance that
  // takes a partition away forgets its pause. errc::not_assigned for a partition not read.
  result<void> pause(const std::vector<topic_partition>& tps);
  result<void> resume(const std::vector<topic_partition>& tps);
  std::vector<topic_partition> paused() const;

  // Leaves the group as unsubscribe() does and makes the consumer unusable
  // (errc::consumer_closed). Idempotent; the destructor calls it.
  void close();

  // errc::not_assigned for a partition that is not assigned.
  result<void> seek(const topic_partition& tp, std::int64_t offset);
  awaitable<result<void>> async_seek(topic_partition tp, std::int64_t offset);
  // ListOffsets: the log start / the high watermark / the first offset whose timestamp is >=
  // timestamp_ms (the end when there is none).
  result<void> seek_to_beginning(const std::vector<topic_partition>& tps);
  result<void> seek_to_end(const std::vector<topic_partition>& tps);
  result<void> seek_to_timestamp(const topic_partition& tp, std::int64_t timestamp_ms);
  awaitable<result<void>> async_seek_to_beginning(std::vector<topic_partition> tps);
  awaitable<result<void>> async_seek_to_end(std::vector<topic_partition> tps);
  awaitable<result<void>> async_seek_to_timestamp(topic_partition tp, std::int64_t timestamp_ms);

  // The next offset this consumer reads from tp, if it has one.
  std::optional<std::int64_t> position(const topic_partition& tp) const;

  // Records after the positions, waiting up to timeout_ms for some (long poll); empty when
  // none arrived. protocol::errc::offset_out_of_range when a position is outside the log and
  // reset is none (seek, then poll again). A subscribed consumer also does the group's work
  // here and runs the listener. It returns empty while a rebalance runs or the coordinator is
  // out of reach (it keeps trying), and fails with the group errors no retry fixes
  // (fenced_instance_id, inconsistent_group_protocol, invalid_session_timeout, unknown_request
  // from a broker without groups, ...: they stay; close the consumer).
  result<std::vector<consumer_record>> poll(std::int64_t timeout_ms);
  awaitable<result<std::vector<consumer_record>>> async_poll(std::int64_t timeout_ms);

 private:
  struct state;  // sdk/client/consumer_state.h
  client& client_;
  consumer_options options_{};
  rebalance_listener listener_{};   // touched on the caller's thread only
  std::unique_ptr<state> state_{};  // touched on the client's thread only
};

}  // namespace cairn
