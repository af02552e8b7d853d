// Request handlers: one function per request kind, each turning a validated request into its
// response frame. They are synchronous and may block on disk, so the dispatcher runs them on the
// broker's worker threads, except produce, which it runs in steps (append_produce below); none
// of them touches a socket. Every error, whether it comes from the
// request, the storage or the disk, becomes an error code in the response.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "broker/controller/cluster_view.h"
#include "broker/topics/topic_manager.h"
#include "eventstore/stream/expected_version.h"
#include "protocol/frame.h"

namespace cairn::broker {

class producer_id_allocator;

struct broker_identity {
  std::int32_t node_id = 1;
  std::string host;
  std::uint16_t port = 0;
  std::string cluster_id = "cairn";
};

// What DeleteRecords answers for one partition (broker/handlers/delete_records.h).
struct delete_records_outcome {
  std::error_code error;
  // Kafka's low watermark: the least log start of the partition's live replicas; -1 unless known.
  // Set with request_timed_out too (how far the replicas had come), as Kafka does.
  std::int64_t low_watermark = -1;
};

// Cluster mode: topic changes go through the controller (the broker's cluster_node implements
// this), and DeleteRecords through the partition's leader. Blocking until the change is applied
// on this broker; called from worker threads.
class cluster_admin {
 public:
  virtual ~cluster_admin() = default;
  virtual std::int32_t broker_count() const = 0;
  // protocol::errc::not_controller when this broker is not the controller; request_timed_out;
  // the controller's own refusals (topic_already_exists, invalid assignment...).
  virtual result<void> create_topic(topic_config config, std::chrono::milliseconds timeout) = 0;
  virtual result<void> delete_topic(const std::string& name, std::chrono::milliseconds timeout) = 0;
  // Replaces a topic's config and adds partitions (broker/handlers/topic_admin.h), from any
  // broker. `change` runs on the topic's config as this broker or the controller knows it
  // (`replicas` = its assignment) and returns the new one, which the controller takes only if
  // the topic has not changed meanwhile: `change` may run again on a newer config, so it must
  // be a pure function of its input. Partitions it adds without replicas are placed as a create
  // places them. Errors: as create_topic, unknown_topic, and change's own.
  using topic_change = std::function<result<topic_config>(const topic_config& current)>;
  virtual result<void> alter_topic(const std::string& name, topic_change change,
                                   std::chrono::milliseconds timeout) = 0;
  // DeleteRecords of a partition this broker leads: moves its log start up to `offset` (-1: the
  // high watermark), then waits, until `deadline`, for every live replica's log start to reach
  // it. Errors: protocol::errc::not_leader (not, or no longer, the leader),
  // eventstore::errc::offset_out_of_range (negative, or above the high watermark),
  // protocol::errc::request_timed_out (with the low watermark reached so far), I/O errors.
  virtual delete_records_outcome delete_records(const std::string& topic, std::int32_t partition,
                                                std::int64_t offset,
                                                std::chrono::steady_clock::time_point deadline) = 0;
};

// Cluster mode, at the controller: what the other brokers ask of it over the native port
// (AllocateProducerIds, AlterTopic; broker/handlers/controller_requests.h). The broker's
// cluster_node implements it. Blocking until the controller's log applied the change; worker
// threads only. Errors: protocol::errc::not_controller when this broker is not the controller,
// request_timed_out, and the controller's refusals.
class controller_service {
 public:
  virtual ~controller_service() = default;
  // The envelope: a request of cluster `cluster_id` from `node`, another broker of this cluster.
  virtual bool accepts(std::string_view cluster_id, std::int32_t node) const = 0;
  struct id_block {
    std::int64_t first = 0;
    std::int64_t count = 0;
  };
  // A block of `count` producer ids starting at or above `at_least`, granted to `node`.
  virtual result<id_block> grant_producer_ids(std::int32_t node, std::int64_t count,
                                              std::int64_t at_least) = 0;
  // An alter_topic command (its JSON, untrusted: decoded and checked here) computed by `node`.
  struct alter_outcome {
    std::int64_t applied_end = -1;     // applied: the controller log's end after it
    std::optional<std::string> stale;  // not applied: the topic's record now (JSON)
  };
  virtual result<alter_outcome> alter_topic_from(std::int32_t node, std::string_view command) = 0;
};

struct handler_context {
  topic_manager& topics;
  const broker_identity& self;
  std::size_t frame_bytes_max = protocol::frame_bytes_max_default;
  // Cluster mode: brokers, controller, topics and leaders come from here (Metadata,
  // DescribeTopics, DescribeCluster). Null on a standalone broker: this broker is the whole
  // cluster and leads every partition it has.
  const controller::cluster_view* cluster = nullptr;
  cluster_admin* admin = nullptr;            // cluster mode only, like `cluster`
  controller_service* controller = nullptr;  // cluster mode only, like `cluster`
  // InitProducerId's ids (both front ends); null: the request is answered unknown_request.
  producer_id_allocator* producer_ids = nullptr;
};

// With a not_leader error: the partition's leader as the cluster view knows it, -1 if none.
std::int32_t known_leader(const handler_context& ctx, std::string_view topic,
                          std::int32_t partition);

namespace wire = protocol::wire;

protocol::frame handle_handshake(handler_context& ctx, std::uint64_t correlation_id,
                                 wire::HandshakeRequest::Reader request);
protocol::frame handle_metadata(handler_context& ctx, std::uint64_t correlation_id,
                                wire::MetadataRequest::Reader request);
protocol::frame handle_create_topics(handler_context& ctx, std::uint64_t correlation_id,
                                     wire::CreateTopicsRequest::Reader request);
protocol::frame handle_delete_topics(handler_context& ctx, std::uint64_t correlation_id,
                                     wire::DeleteTopicsRequest::Reader request);
protocol::frame handle_list_topics(handler_context& ctx, std::uint64_t correlation_id,
                                   wire::ListTopicsRequest::Reader request);
protocol::frame handle_describe_topics(handler_context& ctx, std::uint64_t correlation_id,
                                       wire::DescribeTopicsRequest::Reader request);
// Brokers with liveness, the controller, and every topic (internal ones included) with each
// partition's leader, replicas, in-sync set and replica states.
protocol::frame handle_describe_cluster(handler_context& ctx, std::uint64_t correlation_id,
                                        wire::DescribeClusterRequest::Reader request);
protocol::frame handle_produce(handler_context& ctx, std::uint64_t correlation_id,
                               wire::ProduceRequest::Reader request);

// Produce in the two steps the event loop runs: append every partition's batch (no disk wait),
// commit each appended partition (which may wait for fdatasync: see partition::commit_syncs),
// then answer. handle_produce() is the three in a row.
struct produce_entry {
  std::string topic;
  std::int32_t partition_id = -1;
  std::shared_ptr<partition> target;  // set once appended: the commit is still to do
  std::error_code error;
  produce_result produced;
  std::int64_t log_start_offset = -1;  // -1 when the partition does not exist
};
struct produce_plan {
  std::vector<produce_entry> entries;  // in request order: topic by topic, partition by partition
};
// One partition's records in a produce request, whichever front end it came through. The
// batch is stamped in place (base offset), so it points into a buffer the request owns.
struct produce_input {
  std::string_view topic;
  std::int32_t partition = -1;
  std::span<char> records;
};
produce_plan append_produce(handler_context& ctx, std::span<const produce_input> inputs);
produce_plan append_produce(handler_context& ctx, wire::ProduceRequest::Reader request);
// Commits one entry (blocking when its partition's commit_syncs), recording any error in it.
void commit_produce_entry(produce_entry& entry);
protocol::frame answer_produce(handler_context& ctx, std::uint64_t correlation_id,
                               wire::ProduceRequest::Reader request, const produce_plan& plan);
protocol::frame handle_list_offsets(handler_context& ctx, std::uint64_t correlation_id,
                                    wire::ListOffsetsRequest::Reader request);

// AppendToStream in the same steps as produce: append_stream() checks the expected version and
// appends (no disk wait), the event loop commits `target` to `appended.end_offset()` (possibly on
// the commit flusher), then answer_append_to_stream(). handle_append_to_stream() is the three in
// a row, blocking.
struct stream_append_plan {
  std::shared_ptr<partition> target;  // set once appended: the commit is still to do
  std::string topic;
  std::string key;  // the stream
  std::int32_t partition_id = -1;
  std::error_code error;
  std::string error_message;  // overrides the error's own message when set
  stream_append_result appended;
};
stream_append_plan append_stream(handler_context& ctx, wire::AppendToStreamRequest::Reader request);
// The protocol-neutral append both front ends call: `key`'s partition of `topic` (Kafka's
// murmur2, as ReadStream finds it) checks `expected` and numbers `events` (one RecordBatch v2,
// compressed or not, whose records have the key or none). `partition_asked` (a Kafka produce
// names its partition) must be that partition, or the plan fails invalid_stream_batch: a stream
// written elsewhere could never be read back. Internal topics are refused.
stream_append_plan append_stream(handler_context& ctx, std::string_view topic, std::string_view key,
                                 eventstore::expected_version expected, std::string_view events,
                                 std::optional<std::int32_t> partition_asked = std::nullopt);
// "stream KEY is at version N, expected E" (N is -1 for no stream): what a conflict answers.
std::string describe_version_conflict(std::string_view key,
                                      const eventstore::version_conflict& conflict);

// The record header that makes a produced batch a stream append (docs/kafka.md "Beyond Kafka"):
// any, no-stream, exists or a version N >= 0, as `cairn stream append --expected-version`.
inline constexpr std::string_view kExpectedVersionHeader = "cairn-expected-version";
std::optional<eventstore::expected_version> parse_expected_version(std::string_view text);
// What a produced batch asks through kExpectedVersionHeader. `refusal` is set (and the rest
// meaningless) when the batch asks inconsistently: some records without the header, different
// keys or versions, a null or empty key, an unreadable version.
struct stream_append_ask {
  std::string key;
  eventstore::expected_version expected;
  std::string refusal;
};
// nullopt for a plain batch (no record carries the header) and for bytes that are not a valid
// batch (the produce path then refuses them with the precise error). An uncompressed batch
// without the header's name anywhere in its bytes is answered without parsing it; a compressed
// one is decompressed to look.
std::optional<stream_append_ask> find_stream_append_ask(std::span<const char> batch);
protocol::frame answer_append_to_stream(handler_context& ctx, std::uint64_t correlation_id,
                                        const stream_append_plan& plan);
protocol::frame handle_append_to_stream(handler_context& ctx, std::uint64_t correlation_id,
                                        wire::AppendToStreamRequest::Reader request);

// ReadStream answers with committed events only. When the index holds events of the asked range
// that are appended but not yet committed, `pending_end` says up to where the partition must
// commit for them to be readable; the event loop waits for that and reads once more. A reader
// that lost an expected-version race thus sees the winner's events as soon as they are durable,
// instead of a stream that looks unmoved.
struct stream_read_outcome {
  protocol::frame response;
  std::int64_t pending_end = -1;
  std::string topic;
  std::int32_t partition_id = -1;
};
stream_read_outcome read_stream(handler_context& ctx, std::uint64_t correlation_id,
                                wire::ReadStreamRequest::Reader request);

// Fetch answers at once; the dispatcher decides whether to wait for more data (long poll) by
// looking at bytes, and calls again when a partition's high watermark moves.
struct fetch_outcome {
  protocol::frame response;
  std::int64_t bytes = 0;  // record bytes in the response
  bool any_error = false;  // an error answers at once, as Kafka
};
fetch_outcome handle_fetch(handler_context& ctx, std::uint64_t correlation_id,
                           wire::FetchRequest::Reader request);

// Serialises a response, or answers record_too_large when it does not fit a frame.
protocol::frame finish_response(protocol::frame_writer& writer, std::uint64_t correlation_id,
                                std::size_t frame_bytes_max);

}  // namespace cairn::broker
