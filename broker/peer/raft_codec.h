// raft_codec: a Raft message of one group (raft::message + its topic-partition) to and from
// wire::RaftMessage, and leadership gossip to and from wire::PartitionLeadership.
//
// Encoding trusts its input (it comes from this broker's own raft::node). Decoding trusts
// nothing: every field of every message from a peer is checked against what a correct sender
// can produce, and a message that fails is refused whole with a decode_error (never a crash,
// never UB). Raft tolerates loss, so the receiver drops a refused message and logs it.
//
// REQUIRES (decode): the reader comes from a frame that protocol::parse_request validated (no
// malformed pointers). Decoding never throws: should the reader's traversal budget run out
// (validation can spend it when pointers alias), the message is refused like any bad input.
#pragma once

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/try.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "broker/raft/group.h"
#include "broker/raft/leadership.h"
#include "broker/raft/messages.h"
#include "protocol/cairn.capnp.h"

namespace cairn::peer {

namespace wire = protocol::wire;

// What travels: a message and the group it belongs to.
struct group_message {
  raft::group_id group;
  raft::message message;
};

// Why untrusted input was refused: code is protocol::errc::invalid_request; message says which
// field and which values, for the (rate-limited) log line.
struct decode_error {
  std::error_code code;
  std::string message;
};

template <class T>
using decoded =
    boost::outcome_v2::basic_result<T, decode_error, boost::outcome_v2::policy::terminate>;

// Limits on untrusted lists, each with the attack it stops. The frame limit already bounds the
// bytes; these bound the objects a small frame may make us build and the work per message.
struct codec_limits {
  // Entries of one append (a RaftEntry is ~64 bytes on the wire: a 64 MiB frame could make a
  // million entries, each a std::string and a check). The driver sends far fewer per append.
  std::size_t entries_max = 4096;
  // Voters + learners of one configuration, and replicas / ISR / replica states of one
  // leadership: a group is a handful of brokers; the bound stops quadratic checks and large
  // vectors built from tiny lists.
  std::size_t members_max = 256;
};

// ---------------------------------------------------------------------------------------------
// Raft messages

void encode_message(const raft::group_id& group, const raft::message& message,
                    wire::RaftMessage::Builder out);

// Refused (decode_error, invalid_request): a topic that is not a Kafka topic name (1..249 of
// [a-zA-Z0-9._-]), a negative partition, node ids <= 0 or from == to, a term outside
// [0, 2^31) (it is stamped as the int32 partitionLeaderEpoch), an unset or unknown union member;
// offsets below -1 (prev, last, rejected, hint, the partition log starts the driver passes
// along) or below 0 (ends, commits, install starts) or above 2^62
// (headroom for the core's arithmetic), terms above the message's term where the sender's own
// log is described, offset -1 with a term other than 0; entries: more than entries_max, base < 0,
// last < base, not contiguous from prev_offset + 1, term < 1, terms decreasing or below prev_term
// or above the message's term, an unknown kind, a config entry without voters, a configuration on a
// non-config entry, a data entry with no records; configurations: more than members_max,
// ids <= 0, unsorted or duplicate ids, a voter that is also a learner; append responses with
// durable_end > appended_end.
decoded<group_message> decode_message(wire::RaftMessage::Reader in,
                                      const codec_limits& limits = {});

// ---------------------------------------------------------------------------------------------
// Leadership gossip

void encode_leadership(const raft::partition_leadership& leadership,
                       wire::PartitionLeadership::Builder out);

// Refused: a bad topic name or partition (as above), leader <= 0, an epoch outside [0, 2^31);
// replicas, ISR or replica states over members_max, with ids <= 0 or duplicates; a leader, an
// ISR member or a replica state that is not among the replicas; offsets out of the order
// 0 <= log_start <= high_watermark <= log_end <= 2^62; a replica state whose match_end is
// negative or past log_end, whose lag is negative, or whose log start is outside [-1, 2^62].
decoded<raft::partition_leadership> decode_leadership(wire::PartitionLeadership::Reader in,
                                                      const codec_limits& limits = {});

// Kafka's topic-name rule (the same as broker/topics' valid_topic_name, which this library does
// not link): 1..249 bytes of [a-zA-Z0-9._-], not "." or "..".
bool valid_group_topic(std::string_view topic) noexcept;

}  // namespace cairn::peer
