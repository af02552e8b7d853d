# cairn.capnp: the native wire contract between a client (sdk/, tools/) and a broker (broker/).
#
# Every frame is one Cap'n Proto message in the standard stream framing (segment table, then
# segments), read with hard limits (protocol/frame.h). A client sends `Request`s and the broker
# answers each with one `Response` carrying the same correlationId. A connection carries many
# requests at once and responses may come back in any order.
#
# The protocol is ours; the semantics are Kafka's (offsets, high watermark, acks, long-poll fetch,
# ListOffsets sentinels, error codes and their retriability). docs/protocol.md is the prose spec.
#
# EVOLUTION RULES (Cap'n Proto's, and they bind every change to this file):
#   - Never renumber, remove, or change the type of a field, an enumerant or a union member.
#     Renaming is free (names are not on the wire); retire a field by renaming it `obsoleteX`.
#   - Add fields, union members and enumerants only with the next free ordinal.
#   - New request kinds are new members of Request's union AND Response's union, paired by name.
#     An old broker sees an unknown member and answers `rejected` with errorCode unknownRequest.
#   - A new ErrorCode must be safe to receive by an old peer: it maps it to "unknown error",
#     non-retriable (protocol/errc.h). Prefer reusing a code whose retriability is right.
#   - A new field's default must mean "the old behaviour" (a peer that does not know the field
#     sends the default).
#   - Behaviour that an old peer cannot ignore safely needs a protocolVersion bump (Handshake).

@0xf22bdc8ee104110c;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::protocol::wire");

# Protocol versions this schema describes. The handshake settles on one per connection.
const protocolVersion :UInt32 = 1;
const protocolVersionMin :UInt32 = 1;

# ListOffsets timestamp sentinels (Kafka's ListOffsets).
const latestTimestamp :Int64 = -1;    # the high watermark: the offset the next committed record gets
const earliestTimestamp :Int64 = -2;  # the log start offset

# AppendToStream expected versions (EventStoreDB's integer encoding). N >= 0 means "exactly N".
const expectedVersionAny :Int64 = -2;       # no concurrency check
const expectedVersionNoStream :Int64 = -1;  # the stream must not exist yet
const expectedVersionExists :Int64 = -4;    # the stream must have at least one event
const expectedVersionUnset :Int64 = -3;     # the schema default: rejected with invalidRequest

# Every response and every per-topic / per-partition result carries one of these. Mirrors
# cairn::protocol::errc (protocol/errc.h), which also says which ones are retriable.
enum ErrorCode {
  none @0;                      # success
  unknownTopic @1;              # Kafka UNKNOWN_TOPIC_OR_PARTITION (topic part)
  unknownPartition @2;          # Kafka UNKNOWN_TOPIC_OR_PARTITION (partition part)
  notLeader @3;                 # Kafka NOT_LEADER_OR_FOLLOWER
  offsetOutOfRange @4;          # Kafka OFFSET_OUT_OF_RANGE
  wrongExpectedVersion @5;      # AppendToStream: the stream's version is not the expected one
  recordTooLarge @6;            # Kafka MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE
  corruptBatch @7;              # Kafka CORRUPT_MESSAGE (bad CRC, length, magic, varints)
  invalidRequest @8;            # Kafka INVALID_REQUEST: malformed or contradictory request
  unsupportedVersion @9;        # Kafka UNSUPPORTED_VERSION: no common protocol version
  topicAlreadyExists @10;       # Kafka TOPIC_ALREADY_EXISTS
  invalidPartitions @11;        # Kafka INVALID_PARTITIONS
  invalidReplicationFactor @12; # Kafka INVALID_REPLICATION_FACTOR
  invalidConfig @13;            # Kafka INVALID_CONFIG
  outOfOrderSequence @14;       # Kafka OUT_OF_ORDER_SEQUENCE_NUMBER (idempotent producer gap)
  duplicateSequence @15;        # Kafka DUPLICATE_SEQUENCE_NUMBER (already written: success)
  invalidProducerEpoch @16;     # Kafka INVALID_PRODUCER_EPOCH (a newer producer fenced this one)
  requestTimedOut @17;          # Kafka REQUEST_TIMED_OUT
  notEnoughReplicas @18;        # Kafka NOT_ENOUGH_REPLICAS
  unknownRequest @19;           # the broker does not know or implement this request kind
  internal @20;                 # Kafka UNKNOWN_SERVER_ERROR: a broker bug or an I/O failure

  # Consumer groups (Kafka's names).
  coordinatorNotAvailable @21;  # the group coordinator is not ready yet (retriable)
  notCoordinator @22;           # this broker does not coordinate the group: FindCoordinator again
  coordinatorLoadInProgress @23; # the coordinator is still loading the group's state (retriable)
  illegalGeneration @24;        # the member's generation is not the group's: rejoin
  unknownMemberId @25;          # the coordinator does not know this member: rejoin without an id
  rebalanceInProgress @26;      # the group is rebalancing: rejoin
  invalidSessionTimeout @27;    # session timeout outside the broker's allowed range
  inconsistentGroupProtocol @28; # protocol type or assignors shared with no member of the group
  memberIdRequired @29;         # first join: join again with the member id in the response
  fencedInstanceId @30;         # another member took this static instance id
  groupMaxSizeReached @31;      # the group has as many members as the broker allows
  offsetMetadataTooLarge @32;   # the commit's metadata string is too long
  nonEmptyGroup @33;            # delete / reset offsets need a group without members
  groupIdNotFound @34;          # no such group
  invalidGroupId @35;           # an empty or over-long group id

  # Replication and the controller (issue 7).
  notController @36;            # Kafka NOT_CONTROLLER: send topic changes to the controller
  leaderNotAvailable @37;       # Kafka LEADER_NOT_AVAILABLE: an election is running (retriable)
}

# Produce acknowledgement. Ordinal 0 is the schema default, so a client that does not set acks
# gets the durable behaviour (Kafka's default since 3.0), not fire-and-forget.
enum Acks {
  all @0;     # acks=-1: committed (replicated to the in-sync replicas, flushed per policy)
  leader @1;  # acks=1: appended on the leader
  none @2;    # acks=0: no response is sent at all (as Kafka)
}

enum CleanupPolicy {
  delete @0;   # retention by size and time
  compact @1;  # keep the latest record per key
}

# Kafka's message.timestamp.type.
enum TimestampType {
  createTime @0;     # records keep their producer's timestamp
  logAppendTime @1;  # the leader stamps each batch with its clock as it appends it
}

# ---------------------------------------------------------------------------------------------
# Envelopes

struct Request {
  correlationId @0 :UInt64;  # chosen by the client, echoed in the Response; unique per connection

  union {
    # The schema default, so a frame whose union was never set (or a zeroed struct) is not
    # mistaken for a real request: the broker answers invalidRequest.
    unset @1 :Void;

    handshake @2 :HandshakeRequest;
    metadata @3 :MetadataRequest;
    createTopics @4 :CreateTopicsRequest;
    deleteTopics @5 :DeleteTopicsRequest;
    listTopics @6 :ListTopicsRequest;
    describeTopics @7 :DescribeTopicsRequest;
    produce @8 :ProduceRequest;
    fetch @9 :FetchRequest;
    listOffsets @10 :ListOffsetsRequest;
    appendToStream @11 :AppendToStreamRequest;
    readStream @12 :ReadStreamRequest;

    # Consumer groups (see the structs at the end of this file).
    joinGroup @13 :JoinGroupRequest;
    syncGroup @14 :SyncGroupRequest;
    heartbeat @15 :HeartbeatRequest;
    leaveGroup @16 :LeaveGroupRequest;
    offsetCommit @17 :OffsetCommitRequest;
    offsetFetch @18 :OffsetFetchRequest;
    listGroups @19 :ListGroupsRequest;
    describeGroups @20 :DescribeGroupsRequest;

    findCoordinator @21 :FindCoordinatorRequest;
    deleteGroups @22 :DeleteGroupsRequest;

    # Replication and cluster state (see "Replication" at the end of this file).
    replicate @23 :ReplicateRequest;
    describeCluster @24 :DescribeClusterRequest;

    # Idempotent producers (see "InitProducerId" at the end of this file).
    initProducerId @25 :InitProducerIdRequest;

    # Broker to broker: what a broker that is not the controller asks of the controller (see
    # "Controller requests" at the end of this file).
    allocateProducerIds @26 :AllocateProducerIdsRequest;
    alterTopic @27 :AlterTopicRequest;

    # Next request kind: @28 (and the paired Response member).
  }
}

struct Response {
  correlationId @0 :UInt64;  # the Request's

  # The request-level outcome. For requests with one target (handshake, appendToStream,
  # readStream) this is THE result; multi-target requests (produce, fetch, ...) put per-topic
  # and per-partition results in the body and use this for whole-request failures only.
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;  # optional, for humans; never parse it

  union {
    # No body: the request was not processed. errorCode says why (unknownRequest,
    # invalidRequest, unsupportedVersion, internal, ...).
    rejected @3 :Void;

    handshake @4 :HandshakeResponse;
    metadata @5 :MetadataResponse;
    createTopics @6 :CreateTopicsResponse;
    deleteTopics @7 :DeleteTopicsResponse;
    listTopics @8 :ListTopicsResponse;
    describeTopics @9 :DescribeTopicsResponse;
    produce @10 :ProduceResponse;
    fetch @11 :FetchResponse;
    listOffsets @12 :ListOffsetsResponse;
    appendToStream @13 :AppendToStreamResponse;
    readStream @14 :ReadStreamResponse;

    # Consumer groups.
    joinGroup @15 :JoinGroupResponse;
    syncGroup @16 :SyncGroupResponse;
    heartbeat @17 :HeartbeatResponse;
    leaveGroup @18 :LeaveGroupResponse;
    offsetCommit @19 :OffsetCommitResponse;
    offsetFetch @20 :OffsetFetchResponse;
    listGroups @21 :ListGroupsResponse;
    describeGroups @22 :DescribeGroupsResponse;

    findCoordinator @23 :FindCoordinatorResponse;
    deleteGroups @24 :DeleteGroupsResponse;

    replicate @25 :ReplicateResponse;
    describeCluster @26 :DescribeClusterResponse;

    initProducerId @28 :InitProducerIdResponse;

    allocateProducerIds @29 :AllocateProducerIdsResponse;
    alterTopic @30 :AlterTopicResponse;

    # Next response kind: @31.
  }

  # With errorCode notLeader on a single-target request (appendToStream, readStream): the
  # partition's leader as this broker knows it, -1 when it does not know one. Clients go there.
  currentLeader @27 :Int32 = -1;
}

# Shared by per-topic results of the admin requests.
struct TopicResult {
  name @0 :Text;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
}

# ---------------------------------------------------------------------------------------------
# Handshake (Kafka: ApiVersions). Sent first on a connection; see docs/protocol.md.

struct HandshakeRequest {
  protocolVersion @0 :UInt32;     # the highest version the client speaks
  protocolVersionMin @1 :UInt32;  # the lowest version the client speaks
  clientId @2 :Text;              # for logs and metrics (Kafka client.id)
  frameBytesMax @3 :UInt64;       # the largest response frame the client reads; 0 = 64 MiB
}

struct HandshakeResponse {
  protocolVersion @0 :UInt32;  # the version used on this connection from now on
  nodeId @1 :Int32;            # the broker's node id
  clusterId @2 :Text;
  brokerVersion @3 :Text;      # software version, for humans
  frameBytesMax @4 :UInt64;    # the largest request frame the broker reads
}

# ---------------------------------------------------------------------------------------------
# Metadata (Kafka: Metadata)

struct MetadataRequest {
  allTopics @0 :Bool;         # true: every topic, and `topics` is ignored
  topics @1 :List(Text);      # otherwise only these (empty: brokers only)
}

struct MetadataResponse {
  brokers @0 :List(BrokerMetadata);
  controllerId @1 :Int32;     # -1 when there is none
  clusterId @2 :Text;
  topics @3 :List(TopicMetadata);
}

struct BrokerMetadata {
  nodeId @0 :Int32;
  host @1 :Text;
  port @2 :UInt16;
}

struct TopicMetadata {
  name @0 :Text;
  errorCode @1 :ErrorCode;     # unknownTopic for a requested topic that does not exist
  errorMessage @2 :Text;
  partitions @3 :List(PartitionMetadata);
}

struct PartitionMetadata {
  partition @0 :Int32;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
  leader @3 :Int32;            # node id, -1 while there is no leader
  leaderEpoch @4 :Int32;       # the replication term (RecordBatch partitionLeaderEpoch)
  replicas @5 :List(Int32);
  inSyncReplicas @6 :List(Int32);
  logStartOffset @7 :Int64;    # the first offset still in the log
  highWatermark @8 :Int64;     # the first uncommitted offset: consumers read below it
  logEndOffset @9 :Int64;      # the offset the next appended record gets (>= highWatermark)
  # Per replica, as the leader sees it (empty when this broker has no recent report from the
  # leader): what `cairn cluster status` shows as lag.
  replicaStates @10 :List(ReplicaState);
}

# ---------------------------------------------------------------------------------------------
# Topics (Kafka: CreateTopics, DeleteTopics, Metadata for listing, DescribeConfigs)

# The schema defaults are Kafka's topic defaults.
struct TopicConfig {
  partitions @0 :Int32 = -1;         # -1: the broker's default
  replicationFactor @1 :Int16 = -1;  # -1: the broker's default
  retentionBytes @2 :Int64 = -1;     # per partition; -1: no size limit
  retentionMs @3 :Int64 = 604800000; # 7 days; -1: no time limit
  cleanupPolicy @4 :CleanupPolicy;
  timestampType @5 :TimestampType;  # createTime when absent (older clients)
}

struct CreateTopicsRequest {
  topics @0 :List(NewTopic);
  timeoutMs @1 :Int32;    # how long to wait for the topics to be ready everywhere
  validateOnly @2 :Bool;  # check everything, create nothing
}

struct NewTopic {
  name @0 :Text;
  config @1 :TopicConfig;
}

struct CreateTopicsResponse {
  topics @0 :List(TopicResult);
}

struct DeleteTopicsRequest {
  names @0 :List(Text);
  timeoutMs @1 :Int32;
}

struct DeleteTopicsResponse {
  topics @0 :List(TopicResult);
}

struct ListTopicsRequest {
  includeInternal @0 :Bool;  # also list the broker's own topics (e.g. group offsets, later)
}

struct ListTopicsResponse {
  topics @0 :List(TopicListing);
}

struct TopicListing {
  name @0 :Text;
  partitions @1 :Int32;
  internal @2 :Bool;
}

struct DescribeTopicsRequest {
  names @0 :List(Text);
}

struct DescribeTopicsResponse {
  topics @0 :List(TopicDescription);
}

struct TopicDescription {
  name @0 :Text;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
  config @3 :TopicConfig;     # effective values: broker defaults resolved, never -1 for counts
  partitions @4 :List(PartitionMetadata);
}

# ---------------------------------------------------------------------------------------------
# Produce (Kafka: Produce)

struct ProduceRequest {
  acks @0 :Acks;
  timeoutMs @1 :Int32;  # how long the broker waits for acks=all before requestTimedOut
  topics @2 :List(ProduceTopic);
}

struct ProduceTopic {
  name @0 :Text;
  partitions @1 :List(ProducePartition);
}

struct ProducePartition {
  partition @0 :Int32;
  # Exactly one Kafka RecordBatch v2, byte for byte (magic 2, CRC32C, uncompressed). The leader
  # assigns baseOffset and stamps partitionLeaderEpoch in place (both outside the CRC); producer
  # id, epoch and base sequence carry idempotence.
  records @1 :Data;
}

struct ProduceResponse {
  topics @0 :List(ProduceTopicResult);
}

struct ProduceTopicResult {
  name @0 :Text;
  partitions @1 :List(ProducePartitionResult);
}

struct ProducePartitionResult {
  partition @0 :Int32;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
  baseOffset @3 :Int64;       # the batch's first offset; -1 on error
  logAppendTimeMs @4 :Int64;  # -1 unless the topic uses log-append time
  logStartOffset @5 :Int64;
  currentLeader @6 :Int32 = -1;  # with notLeader: the leader this broker knows, -1 if none
}

# ---------------------------------------------------------------------------------------------
# Fetch (Kafka: Fetch; long poll)

struct FetchRequest {
  maxWaitMs @0 :Int32;  # wait up to this long for minBytes to become available
  minBytes @1 :Int32;   # answer as soon as this many bytes are available (0: immediately)
  maxBytes @2 :Int32;   # soft cap on the whole response (see docs: the first batch always fits)
  topics @3 :List(FetchTopic);
}

struct FetchTopic {
  name @0 :Text;
  partitions @1 :List(FetchPartition);
}

struct FetchPartition {
  partition @0 :Int32;
  fetchOffset @1 :Int64;
  partitionMaxBytes @2 :Int32;  # soft cap for this partition (the first batch always fits)
}

struct FetchResponse {
  topics @0 :List(FetchTopicResult);
}

struct FetchTopicResult {
  name @0 :Text;
  partitions @1 :List(FetchPartitionResult);
}

struct FetchPartitionResult {
  partition @0 :Int32;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
  highWatermark @3 :Int64;
  logStartOffset @4 :Int64;
  # Whole RecordBatch v2 batches, concatenated, as stored. The first batch may start before
  # fetchOffset (skip its records below it); batches are never split.
  records @5 :Data;
  currentLeader @6 :Int32 = -1;  # with notLeader: the leader this broker knows, -1 if none
}

# ---------------------------------------------------------------------------------------------
# ListOffsets (Kafka: ListOffsets)

struct ListOffsetsRequest {
  topics @0 :List(ListOffsetsTopic);
}

struct ListOffsetsTopic {
  name @0 :Text;
  partitions @1 :List(ListOffsetsPartition);
}

struct ListOffsetsPartition {
  partition @0 :Int32;
  # latestTimestamp (-1), earliestTimestamp (-2), or a time in ms since the epoch: the first
  # offset whose record timestamp is >= it.
  timestamp @1 :Int64;
}

struct ListOffsetsResponse {
  topics @0 :List(ListOffsetsTopicResult);
}

struct ListOffsetsTopicResult {
  name @0 :Text;
  partitions @1 :List(ListOffsetsPartitionResult);
}

struct ListOffsetsPartitionResult {
  partition @0 :Int32;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
  timestamp @3 :Int64;  # the found record's timestamp; -1 for the sentinels or when none
  offset @4 :Int64;     # -1 when no record has a timestamp >= the requested one
  currentLeader @5 :Int32 = -1;  # with notLeader: the leader this broker knows, -1 if none
}

# ---------------------------------------------------------------------------------------------
# Streams (EventStoreDB's AppendToStream / ReadStream on a Kafka partition; DESIGN.md "Streams")

struct AppendToStreamRequest {
  topic @0 :Text;
  key @1 :Data;  # the stream; picks the partition with Kafka's murmur2 partitioner
  # expectedVersionAny (-2), expectedVersionNoStream (-1), expectedVersionExists (-4), or N >= 0:
  # the stream's current version must be exactly N. The default (-3) is rejected so that a
  # client that forgets to set it fails loudly instead of skipping the concurrency check.
  expectedVersion @2 :Int64 = -3;
  # One RecordBatch v2; each record is one event whose key is the stream key. Appended
  # atomically: all events or none.
  records @3 :Data;
  acks @4 :Acks;
  timeoutMs @5 :Int32;
}

struct AppendToStreamResponse {
  partition @0 :Int32;
  firstVersion @1 :Int64;  # the version of the first appended event
  lastVersion @2 :Int64;   # the stream's version after the append
  baseOffset @3 :Int64;    # the log offset of the first appended event
  # With errorCode wrongExpectedVersion: the stream's current version, -1 when it does not exist.
  actualVersion @4 :Int64;
}

struct ReadStreamRequest {
  topic @0 :Text;
  key @1 :Data;
  fromVersion @2 :Int64;  # the first version to return (0: from the beginning)
  maxCount @3 :Int32;     # at most this many events
  maxBytes @4 :Int32;     # soft cap on records (0: the broker's default); the first batch fits
}

struct ReadStreamResponse {
  partition @0 :Int32;
  # Whole RecordBatch v2 batches that contain the returned events, concatenated. Batches are
  # never split, so they may also hold other records: keep only the offsets listed in `events`.
  records @1 :Data;
  events @2 :List(StreamEvent);  # in version order
  lastVersion @3 :Int64;         # the stream's current version; -1 when it does not exist
}

struct StreamEvent {
  version @0 :Int64;
  offset @1 :Int64;
}

# ---------------------------------------------------------------------------------------------
# Consumer groups (Kafka's group protocol: FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
# LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups). The broker
# never reads member metadata or assignments: the group's leader member computes assignments
# (range, roundrobin, cooperative-sticky) and the bytes travel opaque (sdk/group/).
# Text fields that may be absent (groupInstanceId) are null when unset.

struct FindCoordinatorRequest {
  groupId @0 :Text;
}

struct FindCoordinatorResponse {
  nodeId @0 :Int32;
  host @1 :Text;
  port @2 :UInt16;
}

struct JoinGroupRequest {
  groupId @0 :Text;
  sessionTimeoutMs @1 :Int32;    # no heartbeat for this long: the member is removed
  rebalanceTimeoutMs @2 :Int32;  # how long the coordinator waits for members to rejoin
  memberId @3 :Text;             # empty on the first join: answered memberIdRequired + an id
  groupInstanceId @4 :Text;      # static membership; null for a dynamic member
  clientId @5 :Text;
  protocolType @6 :Text;         # "consumer"
  protocols @7 :List(JoinGroupProtocol);  # in the member's order of preference
  reason @8 :Text;
}

struct JoinGroupProtocol {
  name @0 :Text;   # an assignor: "range", "roundrobin", "cooperative-sticky"
  metadata @1 :Data;
}

struct JoinGroupResponse {
  generationId @0 :Int32;
  protocolType @1 :Text;
  protocolName @2 :Text;
  leader @3 :Text;         # the member id of the group's leader
  memberId @4 :Text;       # this member's id (also set with memberIdRequired)
  members @5 :List(JoinGroupMember);  # only for the leader: every member and its metadata
  skipAssignment @6 :Bool;  # a static member's rejoin kept the assignment: no sync needed
}

struct JoinGroupMember {
  memberId @0 :Text;
  groupInstanceId @1 :Text;
  metadata @2 :Data;
}

struct SyncGroupRequest {
  groupId @0 :Text;
  generationId @1 :Int32;
  memberId @2 :Text;
  groupInstanceId @3 :Text;
  protocolType @4 :Text;
  protocolName @5 :Text;
  assignments @6 :List(SyncGroupAssignment);  # from the leader only
}

struct SyncGroupAssignment {
  memberId @0 :Text;
  assignment @1 :Data;
}

struct SyncGroupResponse {
  protocolType @0 :Text;
  protocolName @1 :Text;
  assignment @2 :Data;
}

struct HeartbeatRequest {
  groupId @0 :Text;
  generationId @1 :Int32;
  memberId @2 :Text;
  groupInstanceId @3 :Text;
}

struct HeartbeatResponse {}

struct LeaveGroupRequest {
  groupId @0 :Text;
  members @1 :List(LeavingMember);
}

struct LeavingMember {
  memberId @0 :Text;
  groupInstanceId @1 :Text;
  reason @2 :Text;
}

struct LeaveGroupResponse {
  members @0 :List(LeftMember);
}

struct LeftMember {
  memberId @0 :Text;
  groupInstanceId @1 :Text;
  errorCode @2 :ErrorCode;
  errorMessage @3 :Text;
}

struct OffsetCommitRequest {
  groupId @0 :Text;
  # -1 with an empty memberId: a commit from outside the group (standalone consumers, offset
  # resets), accepted only while the group has no members.
  generationId @1 :Int32 = -1;
  memberId @2 :Text;
  groupInstanceId @3 :Text;
  topics @4 :List(OffsetCommitTopic);
}

struct OffsetCommitTopic {
  name @0 :Text;
  partitions @1 :List(OffsetCommitPartition);
}

struct OffsetCommitPartition {
  partition @0 :Int32;
  offset @1 :Int64;    # the next offset to consume
  metadata @2 :Text;   # free text for the application, at most 4096 bytes
}

struct OffsetCommitResponse {
  topics @0 :List(OffsetCommitTopicResult);
}

struct OffsetCommitTopicResult {
  name @0 :Text;
  partitions @1 :List(OffsetCommitPartitionResult);
}

struct OffsetCommitPartitionResult {
  partition @0 :Int32;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
}

struct OffsetFetchRequest {
  groupId @0 :Text;
  topics @1 :List(OffsetFetchTopic);
  allTopics @2 :Bool;  # every partition the group has committed; `topics` is then ignored
}

struct OffsetFetchTopic {
  name @0 :Text;
  partitions @1 :List(Int32);
}

struct OffsetFetchResponse {
  topics @0 :List(OffsetFetchTopicResult);
}

struct OffsetFetchTopicResult {
  name @0 :Text;
  partitions @1 :List(OffsetFetchPartitionResult);
}

struct OffsetFetchPartitionResult {
  partition @0 :Int32;
  offset @1 :Int64;    # -1: nothing committed
  metadata @2 :Text;
  errorCode @3 :ErrorCode;
  errorMessage @4 :Text;
}

struct ListGroupsRequest {
  states @0 :List(Text);  # empty: every state
}

struct ListGroupsResponse {
  groups @0 :List(ListedGroup);
}

struct ListedGroup {
  groupId @0 :Text;
  protocolType @1 :Text;
  state @2 :Text;  # Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
}

struct DescribeGroupsRequest {
  groupIds @0 :List(Text);
}

struct DescribeGroupsResponse {
  groups @0 :List(DescribedGroup);
}

struct DescribedGroup {
  groupId @0 :Text;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
  state @3 :Text;
  protocolType @4 :Text;
  protocolName @5 :Text;
  generationId @6 :Int32;
  leader @7 :Text;
  members @8 :List(DescribedMember);
}

struct DescribedMember {
  memberId @0 :Text;
  groupInstanceId @1 :Text;
  clientId @2 :Text;
  clientHost @3 :Text;
  metadata @4 :Data;
  assignment @5 :Data;
}

struct DeleteGroupsRequest {
  groupIds @0 :List(Text);
}

struct DeleteGroupsResponse {
  results @0 :List(DeletedGroup);
}

struct DeletedGroup {
  groupId @0 :Text;
  errorCode @1 :ErrorCode;
  errorMessage @2 :Text;
}

# ---------------------------------------------------------------------------------------------
# Replication (cluster mode; docs/replication.md)
#
# Brokers exchange Raft messages for many groups (one per partition, plus the controller's) in
# Replicate requests on one connection per peer. Raft tolerates loss, so a message is sent at
# most once; the response only acknowledges the frame (errorCode set when the whole request was
# refused, e.g. a wrong cluster id or an unknown sender).

struct ReplicaState {
  nodeId @0 :Int32;
  matchEnd @1 :Int64;   # durable on the replica and equal to the leader's below it
  lag @2 :Int64;        # the leader's log end minus matchEnd
  inSync @3 :Bool;
  logStartOffset @4 :Int64 = -1;  # the replica's log start as last reported; -1: unknown
}

struct ReplicateRequest {
  clusterId @0 :Text;
  fromNode @1 :Int32;
  messages @2 :List(RaftMessage);
  # Leadership gossip: the partitions the sender leads now, so that every broker answers
  # metadata with the leaders of partitions it does not host.
  leaderships @3 :List(PartitionLeadership);
}

struct ReplicateResponse {}

# One Raft message of one group. The controller's group is topic "__cluster_metadata",
# partition 0.
struct RaftMessage {
  topic @0 :Text;
  partition @1 :Int32;
  from @2 :Int32;
  to @3 :Int32;
  term @4 :Int64;
  union {
    unset @5 :Void;  # never valid
    voteRequest @6 :RaftVoteRequest;
    voteResponse @7 :RaftVoteResponse;
    appendRequest @8 :RaftAppendRequest;
    appendResponse @9 :RaftAppendResponse;
    installRequest @10 :RaftInstallRequest;
    timeoutNow @11 :Void;
  }
}

struct RaftVoteRequest {
  preVote @0 :Bool;
  transfer @1 :Bool;
  lastOffset @2 :Int64;
  lastTerm @3 :Int64;
}

struct RaftVoteResponse {
  preVote @0 :Bool;
  granted @1 :Bool;
}

enum RaftEntryKind {
  data @0;
  noop @1;
  config @2;
}

struct RaftConfiguration {
  voters @0 :List(Int32);
  learners @1 :List(Int32);
}

# One log entry: one RecordBatch v2 (baseOffset and partitionLeaderEpoch already stamped).
struct RaftEntry {
  baseOffset @0 :Int64;
  lastOffset @1 :Int64;
  term @2 :Int64;
  kind @3 :RaftEntryKind;
  config @4 :RaftConfiguration;  # kind config only
  records @5 :Data;
}

struct RaftAppendRequest {
  prevOffset @0 :Int64;
  prevTerm @1 :Int64;
  leaderCommit @2 :Int64;
  entries @3 :List(RaftEntry);
  # The leader's partition log start (DeleteRecords), for followers to follow within their
  # commit end; not Raft's (the core ignores it). -1: not told.
  leaderLogStart @4 :Int64 = -1;
}

struct RaftAppendResponse {
  success @0 :Bool;
  appendedEnd @1 :Int64;
  durableEnd @2 :Int64;
  rejectedPrev @3 :Int64;
  hintOffset @4 :Int64;
  hintTerm @5 :Int64;
  # The follower's partition log start, from which its leader answers DeleteRecords' low
  # watermark; not Raft's (the core ignores it). -1: not told.
  logStart @6 :Int64 = -1;
}

struct RaftInstallRequest {
  startOffset @0 :Int64;
  prevTerm @1 :Int64;
  config @2 :RaftConfiguration;
  leaderCommit @3 :Int64;
}

struct PartitionLeadership {
  topic @0 :Text;
  partition @1 :Int32;
  leader @2 :Int32;
  leaderEpoch @3 :Int64;
  replicas @4 :List(Int32);
  inSyncReplicas @5 :List(Int32);
  logStartOffset @6 :Int64;
  highWatermark @7 :Int64;
  logEndOffset @8 :Int64;
  replicaStates @9 :List(ReplicaState);
}

# ---------------------------------------------------------------------------------------------
# DescribeCluster (Kafka: DescribeCluster): brokers with liveness, the controller, and every
# partition's leader, replicas, in-sync set and lag (`cairn cluster status`).

struct DescribeClusterRequest {}

struct DescribeClusterResponse {
  clusterId @0 :Text;
  controllerId @1 :Int32;          # -1 while the controller group has no leader
  brokers @2 :List(ClusterBroker);
  topics @3 :List(TopicMetadata);  # every topic, internal ones included
}

struct ClusterBroker {
  nodeId @0 :Int32;
  host @1 :Text;
  port @2 :UInt16;
  alive @3 :Bool;          # answered the controller's leader recently
  lastSeenMsAgo @4 :Int64; # -1 when never seen (or this broker cannot tell)
  controllerRole @5 :ControllerRole;  # its place in the controller's Raft group
}

enum ControllerRole {
  none @0;     # not a member (yet): a broker that joined is added as a learner first
  voter @1;
  learner @2;  # receives the controller's log, does not vote until caught up and promoted
}

# ---------------------------------------------------------------------------------------------
# InitProducerId (Kafka: InitProducerId without a transactional id): the identity an idempotent
# producer stamps into its batches. Ids come from the broker's allocator and are unique for the
# cluster's life (blocks persisted before use; in a cluster, granted by the controller). The
# request-level errorCode carries failures (requestTimedOut, notController, internal, ...); an
# old broker answers `rejected` with unknownRequest.

struct InitProducerIdRequest {
  # The identity the producer holds, to have its epoch bumped (Kafka KIP-360); -1/-1 for a new
  # producer. An identity this broker did not hand out last gets a new id at epoch 0.
  producerId @0 :Int64 = -1;
  producerEpoch @1 :Int16 = -1;
}

struct InitProducerIdResponse {
  producerId @0 :Int64 = -1;
  producerEpoch @1 :Int16 = -1;
}

# ---------------------------------------------------------------------------------------------
# Controller requests (cluster mode; docs/protocol.md "Controller requests"): a broker that is
# not the controller asks the controller for what only the controller's log may decide, on a
# connection of its own to the controller's native port (after a Handshake that names the node
# and the cluster). Broker to broker only: the receiver refuses (invalidRequest) a request whose
# clusterId is not its own or whose fromNode is not another broker of its cluster map, and
# answers notController when it is not the controller (the asker finds the new one and asks
# again). Issue 17 (security) must restrict these requests to authenticated brokers.

# A block of producer ids (Kafka's AllocateProducerIds, KIP-730), granted through the
# controller's log: unique for the cluster's life, whatever happens to the asker's disk.
struct AllocateProducerIdsRequest {
  clusterId @0 :Text;
  fromNode @1 :Int32;
  count @2 :Int64;    # ids wanted: 1..2^20 (invalidRequest otherwise)
  atLeast @3 :Int64;  # the block starts at or above this: the asker's own persisted end (>= 0)
}

struct AllocateProducerIdsResponse {
  firstId @0 :Int64 = -1;  # the block is [firstId, firstId + count)
  count @1 :Int64;
}

# A topic change computed by the asker (Kafka clients send AlterConfigs, IncrementalAlterConfigs
# and CreatePartitions to any broker): an alter_topic controller command, in the controller log's
# own JSON (broker/controller/commands.h), whose if_version names the topic version it was
# computed from. The controller applies it only while the topic is still at that version.
struct AlterTopicRequest {
  clusterId @0 :Text;
  fromNode @1 :Int32;
  command @2 :Text;  # at most 1 MiB; an alter_topic with if_version (invalidRequest otherwise)
}

struct AlterTopicResponse {
  union {
    unset @0 :Void;     # never sent: errorCode says why there is no outcome
    applied @1 :Int64;  # done: the controller log's end after it (the asker waits to apply as much)
    # The topic has moved past if_version: its record now, as JSON {"config":{...},
    # "assignment":[[...]],"version":N}, for the asker to compute its change again from.
    stale @2 :Text;
  }
}
