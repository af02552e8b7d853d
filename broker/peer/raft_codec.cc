#include "broker/peer/raft_codec.h"

#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "protocol/wire_errc.h"

namespace cairn::peer {

namespace {

using raft::node_id;
using raft::term_id;

// No log holds 2^62 records; refusing offsets above it leaves the core's offset arithmetic
// (ends, +1, -1, differences) room to never overflow.
constexpr std::int64_t offset_limit = std::int64_t{1} << 62;
// A term is stamped as the batch's partitionLeaderEpoch, an int32 in RecordBatch v2.
constexpr std::int64_t term_limit = std::numeric_limits<std::int32_t>::max();

decode_error refuse(std::string message) {
  return {make_error_code(protocol::errc::invalid_request), std::move(message)};
}

std::string_view text_of(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

// Untrusted text for a log line: at most 64 bytes, anything but printable ASCII as '?', so a
// peer cannot forge log lines or flood them.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

// The list's size, refused above `max` (checked before anything is built from it).
template <class List>
decoded<std::size_t> bounded(const List& list, std::size_t max, std::string_view what) {
  if (list.size() > max)
    return refuse(fmt::format("{}: {} items, at most {}", what, list.size(), max));
  return std::size_t{list.size()};
}

// Node ids of a configuration: positive, strictly ascending (sorted and unique), as
// raft::configuration requires.
decoded<std::vector<node_id>> read_sorted_ids(capnp::List<std::int32_t>::Reader ids,
                                              std::size_t max, std::string_view what) {
  BOOST_OUTCOME_TRY(auto n, bounded(ids, max, what));
  std::vector<node_id> out;
  out.reserve(n);
  for (std::int32_t id : ids) {
    if (id <= 0) return refuse(fmt::format("{}: node id {} (ids are > 0)", what, id));
    if (!out.empty() && id <= out.back().value()) {
      return refuse(fmt::format("{}: {} after {} (ids must be sorted and unique)", what, id,
                                out.back().value()));
    }
    out.emplace_back(id);
  }
  return out;
}

// Node ids in the sender's order: positive and unique.
decoded<std::vector<node_id>> read_unique_ids(capnp::List<std::int32_t>::Reader ids,
                                              std::size_t max, std::string_view what) {
  BOOST_OUTCOME_TRY(auto n, bounded(ids, max, what));
  std::vector<node_id> out;
  out.reserve(n);
  for (std::int32_t id : ids) {
    if (id <= 0) return refuse(fmt::format("{}: node id {} (ids are > 0)", what, id));
    if (std::find(out.begin(), out.end(), node_id{id}) != out.end()) {
      return refuse(fmt::format("{}: node {} twice", what, id));
    }
    out.emplace_back(id);
  }
  return out;
}

bool contains(const std::vector<node_id>& ids, node_id id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

decoded<raft::configuration> read_config(wire::RaftConfiguration::Reader in,
                                         const codec_limits& limits, std::string_view what) {
  // Each list is obtained once: every get charges the reader's traversal budget again.
  const auto voters = in.getVoters();
  const auto learners = in.getLearners();
  if (std::size_t{voters.size()} + learners.size() > limits.members_max) {
    return refuse(fmt::format("{}: {} voters and {} learners, at most {} members", what,
                              voters.size(), learners.size(), limits.members_max));
  }
  raft::configuration config;
  BOOST_OUTCOME_TRY(config.voters, read_sorted_ids(voters, limits.members_max, what));
  BOOST_OUTCOME_TRY(config.learners, read_sorted_ids(learners, limits.members_max, what));
  for (node_id learner : config.learners) {
    if (config.contains(learner)) {
      return refuse(fmt::format("{}: node {} is both voter and learner", what, learner));
    }
  }
  return config;
}

void write_config(const raft::configuration& config, wire::RaftConfiguration::Builder out) {
  auto voters = out.initVoters(static_cast<unsigned>(config.voters.size()));
  for (unsigned i = 0; i < voters.size(); ++i)
    voters.set(i, config.voters[i].value());
  auto learners = out.initLearners(static_cast<unsigned>(config.learners.size()));
  for (unsigned i = 0; i < learners.size(); ++i)
    learners.set(i, config.learners[i].value());
}

// An offset that may be -1 ("before the first record"), and the term of the batch ending there:
// never above the sender's term (its log holds no later term), and 0 exactly at -1 (term 0 is
// the term of offset -1, docs/raft.md).
std::optional<decode_error> check_position(std::int64_t offset, std::int64_t term,
                                           term_id message_term, std::string_view what) {
  if (offset < -1 || offset > offset_limit) {
    return refuse(fmt::format("{} offset {} outside [-1, 2^62]", what, offset));
  }
  if (term < 0) return refuse(fmt::format("{} term {} < 0", what, term));
  if (term > message_term.value()) {
    return refuse(
        fmt::format("{} term {} above the message's term {}", what, term, message_term.value()));
  }
  if (offset == -1 && term != 0) {
    return refuse(fmt::format("{} offset -1 with term {} (must be 0)", what, term));
  }
  return std::nullopt;
}

std::optional<decode_error> check_end(std::int64_t end, std::string_view what) {
  if (end < 0 || end > offset_limit) {
    return refuse(fmt::format("{} {} outside [0, 2^62]", what, end));
  }
  return std::nullopt;
}

// A partition log start the driver passes along (-1: not told).
std::optional<decode_error> check_log_start(std::int64_t start, std::string_view what) {
  if (start < -1 || start > offset_limit) {
    return refuse(fmt::format("{} {} outside [-1, 2^62]", what, start));
  }
  return std::nullopt;
}

decoded<raft::entry> read_entry(wire::RaftEntry::Reader in, const codec_limits& limits,
                                std::size_t index) {
  raft::entry e;
  e.base_offset = log_offset{in.getBaseOffset()};
  e.last_offset = log_offset{in.getLastOffset()};
  e.term = term_id{in.getTerm()};
  if (e.base_offset.value() < 0 || e.last_offset.value() >= offset_limit) {
    return refuse(fmt::format("entry {}: offsets [{}, {}] outside [0, 2^62)", index, e.base_offset,
                              e.last_offset));
  }
  if (e.last_offset < e.base_offset) {
    return refuse(fmt::format("entry {}: lastOffset {} < baseOffset {}", index, e.last_offset,
                              e.base_offset));
  }
  // Term 0 is "before any leader": every batch is written by a leader of a term >= 1.
  if (e.term.value() < 1) return refuse(fmt::format("entry {}: term {} < 1", index, e.term));
  const auto records = in.getRecords();
  const bool has_config =
      in.hasConfig() && (in.getConfig().hasVoters() || in.getConfig().hasLearners());
  switch (in.getKind()) {
    case wire::RaftEntryKind::DATA:
      e.kind = raft::entry_kind::data;
      if (records.size() == 0) {
        return refuse(fmt::format("entry {}: a data entry without records", index));
      }
      break;
    case wire::RaftEntryKind::NOOP:
      e.kind = raft::entry_kind::noop;
      break;
    case wire::RaftEntryKind::CONFIG: {
      e.kind = raft::entry_kind::config;
      if (!has_config) return refuse(fmt::format("entry {}: a config entry without config", index));
      BOOST_OUTCOME_TRY(e.config, read_config(in.getConfig(), limits, "config entry"));
      // The core never removes the last voter: a configuration in the log always has one.
      if (e.config.voters.empty()) {
        return refuse(fmt::format("entry {}: a config entry without voters", index));
      }
      break;
    }
    default:
      return refuse(
          fmt::format("entry {}: unknown kind {}", index, static_cast<unsigned>(in.getKind())));
  }
  if (e.kind != raft::entry_kind::config && has_config) {
    return refuse(fmt::format("entry {}: a configuration on a non-config entry", index));
  }
  e.records.assign(reinterpret_cast<const char*>(records.begin()), records.size());
  return e;
}

decoded<raft::append_request> read_append(wire::RaftAppendRequest::Reader in, term_id term,
                                          const codec_limits& limits) {
  raft::append_request r{.term = term,
                         .prev_offset = log_offset{in.getPrevOffset()},
                         .prev_term = term_id{in.getPrevTerm()},
                         .entries = {},
                         .leader_commit = log_offset{in.getLeaderCommit()},
                         .leader_log_start = log_offset{in.getLeaderLogStart()}};
  if (auto bad = check_position(r.prev_offset.value(), r.prev_term.value(), term, "prev")) {
    return std::move(*bad);
  }
  if (auto bad = check_end(r.leader_commit.value(), "leaderCommit")) return std::move(*bad);
  if (auto bad = check_log_start(r.leader_log_start.value(), "leaderLogStart")) {
    return std::move(*bad);
  }
  auto entries = in.getEntries();
  BOOST_OUTCOME_TRY(auto n, bounded(entries, limits.entries_max, "entries"));
  r.entries.reserve(n);
  log_offset next = r.prev_offset + 1;
  term_id floor = r.prev_term;
  for (std::size_t i = 0; i < n; ++i) {
    BOOST_OUTCOME_TRY(auto e, read_entry(entries[static_cast<unsigned>(i)], limits, i));
    // Log matching: the entries continue the log right after prev, and a log's terms never
    // decrease and never pass the leader's term.
    if (e.base_offset != next) {
      return refuse(fmt::format("entry {}: baseOffset {}, expected {} (not contiguous)", i,
                                e.base_offset, next));
    }
    if (e.term < floor || e.term > term) {
      return refuse(fmt::format("entry {}: term {} outside [{}, {}]", i, e.term, floor, term));
    }
    next = e.end_offset();
    floor = e.term;
    r.entries.push_back(std::move(e));
  }
  return r;
}

decoded<raft::append_response> read_append_response(wire::RaftAppendResponse::Reader in,
                                                    term_id term) {
  raft::append_response r{.term = term,
                          .success = in.getSuccess(),
                          .appended_end = log_offset{in.getAppendedEnd()},
                          .durable_end = log_offset{in.getDurableEnd()},
                          .rejected_prev = log_offset{in.getRejectedPrev()},
                          .hint_offset = log_offset{in.getHintOffset()},
                          .hint_term = term_id{in.getHintTerm()},
                          .log_start = log_offset{in.getLogStart()}};
  if (auto bad = check_end(r.appended_end.value(), "appendedEnd")) return std::move(*bad);
  if (auto bad = check_log_start(r.log_start.value(), "logStart")) return std::move(*bad);
  if (auto bad = check_end(r.durable_end.value(), "durableEnd")) return std::move(*bad);
  if (r.durable_end > r.appended_end) {
    return refuse(fmt::format("durableEnd {} > appendedEnd {}", r.durable_end, r.appended_end));
  }
  if (r.rejected_prev.value() < -1 || r.rejected_prev.value() > offset_limit) {
    return refuse(fmt::format("rejectedPrev {} outside [-1, 2^62]", r.rejected_prev));
  }
  if (auto bad = check_position(r.hint_offset.value(), r.hint_term.value(), term, "hint")) {
    return std::move(*bad);
  }
  return r;
}

decoded<raft::install_request> read_install(wire::RaftInstallRequest::Reader in, term_id term,
                                            const codec_limits& limits) {
  raft::install_request r{.term = term,
                          .start_offset = log_offset{in.getStartOffset()},
                          .prev_term = term_id{in.getPrevTerm()},
                          .config = {},
                          .leader_commit = log_offset{in.getLeaderCommit()}};
  if (auto bad = check_end(r.start_offset.value(), "startOffset")) return std::move(*bad);
  if (auto bad = check_position(r.start_offset.value() - 1, r.prev_term.value(), term, "prev")) {
    return std::move(*bad);
  }
  if (auto bad = check_end(r.leader_commit.value(), "leaderCommit")) return std::move(*bad);
  BOOST_OUTCOME_TRY(r.config, read_config(in.getConfig(), limits, "install config"));
  return r;
}

decoded<raft::message_body> read_body(wire::RaftMessage::Reader in, term_id term,
                                      const codec_limits& limits) {
  using W = wire::RaftMessage;
  switch (in.which()) {
    case W::VOTE_REQUEST: {
      auto v = in.getVoteRequest();
      raft::vote_request r{.term = term,
                           .pre_vote = v.getPreVote(),
                           .transfer = v.getTransfer(),
                           .last_offset = log_offset{v.getLastOffset()},
                           .last_term = term_id{v.getLastTerm()}};
      if (auto bad = check_position(r.last_offset.value(), r.last_term.value(), term, "last")) {
        return std::move(*bad);
      }
      return raft::message_body{r};
    }
    case W::VOTE_RESPONSE: {
      auto v = in.getVoteResponse();
      return raft::message_body{
          raft::vote_response{.term = term, .pre_vote = v.getPreVote(), .granted = v.getGranted()}};
    }
    case W::APPEND_REQUEST: {
      BOOST_OUTCOME_TRY(auto r, read_append(in.getAppendRequest(), term, limits));
      return raft::message_body{std::move(r)};
    }
    case W::APPEND_RESPONSE: {
      BOOST_OUTCOME_TRY(auto r, read_append_response(in.getAppendResponse(), term));
      return raft::message_body{r};
    }
    case W::INSTALL_REQUEST: {
      BOOST_OUTCOME_TRY(auto r, read_install(in.getInstallRequest(), term, limits));
      return raft::message_body{std::move(r)};
    }
    case W::TIMEOUT_NOW:
      return raft::message_body{raft::timeout_now{.term = term}};
    case W::UNSET:
      return refuse("no message kind (union unset)");
  }
  return refuse(fmt::format("unknown message kind {}", static_cast<unsigned>(in.which())));
}

// Writes the kind-specific part; the envelope (group, from, to, term) is written by the caller.
struct body_writer {
  mutable wire::RaftMessage::Builder out;

  void operator()(const raft::vote_request& m) const {
    auto v = out.initVoteRequest();
    v.setPreVote(m.pre_vote);
    v.setTransfer(m.transfer);
    v.setLastOffset(m.last_offset.value());
    v.setLastTerm(m.last_term.value());
  }
  void operator()(const raft::vote_response& m) const {
    auto v = out.initVoteResponse();
    v.setPreVote(m.pre_vote);
    v.setGranted(m.granted);
  }
  void operator()(const raft::append_request& m) const {
    auto a = out.initAppendRequest();
    a.setPrevOffset(m.prev_offset.value());
    a.setPrevTerm(m.prev_term.value());
    a.setLeaderCommit(m.leader_commit.value());
    a.setLeaderLogStart(m.leader_log_start.value());
    auto entries = a.initEntries(static_cast<unsigned>(m.entries.size()));
    for (unsigned i = 0; i < entries.size(); ++i) {
      const raft::entry& e = m.entries[i];
      auto w = entries[i];
      w.setBaseOffset(e.base_offset.value());
      w.setLastOffset(e.last_offset.value());
      w.setTerm(e.term.value());
      switch (e.kind) {
        case raft::entry_kind::data:
          w.setKind(wire::RaftEntryKind::DATA);
          break;
        case raft::entry_kind::noop:
          w.setKind(wire::RaftEntryKind::NOOP);
          break;
        case raft::entry_kind::config:
          w.setKind(wire::RaftEntryKind::CONFIG);
          write_config(e.config, w.initConfig());
          break;
      }
      w.setRecords(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(e.records.data()),
                                       e.records.size()));
    }
  }
  void operator()(const raft::append_response& m) const {
    auto a = out.initAppendResponse();
    a.setSuccess(m.success);
    a.setAppendedEnd(m.appended_end.value());
    a.setDurableEnd(m.durable_end.value());
    a.setRejectedPrev(m.rejected_prev.value());
    a.setHintOffset(m.hint_offset.value());
    a.setHintTerm(m.hint_term.value());
    a.setLogStart(m.log_start.value());
  }
  void operator()(const raft::install_request& m) const {
    auto i = out.initInstallRequest();
    i.setStartOffset(m.start_offset.value());
    i.setPrevTerm(m.prev_term.value());
    i.setLeaderCommit(m.leader_commit.value());
    write_config(m.config, i.initConfig());
  }
  void operator()(const raft::timeout_now&) const { out.setTimeoutNow(); }
};

std::optional<decode_error> check_group(std::string_view topic, std::int32_t partition) {
  if (!valid_group_topic(topic)) {
    return refuse(fmt::format("topic '{}' is not a valid topic name", printable(topic)));
  }
  if (partition < 0) return refuse(fmt::format("partition {} < 0", partition));
  return std::nullopt;
}

}  // namespace

bool valid_group_topic(std::string_view topic) noexcept {
  constexpr std::size_t topic_bytes_max = 249;  // Kafka's limit (a file name with a suffix)
  if (topic.empty() || topic.size() > topic_bytes_max || topic == "." || topic == "..") {
    return false;
  }
  return std::all_of(topic.begin(), topic.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

void encode_message(const raft::group_id& group, const raft::message& message,
                    wire::RaftMessage::Builder out) {
  out.setTopic(group.topic);
  out.setPartition(group.partition);
  out.setFrom(message.from.value());
  out.setTo(message.to.value());
  out.setTerm(raft::term_of(message.body).value());
  std::visit(body_writer{out}, message.body);
}

namespace {

decoded<group_message> read_message(wire::RaftMessage::Reader in, const codec_limits& limits) {
  std::string_view topic = text_of(in.getTopic());
  if (auto bad = check_group(topic, in.getPartition())) return std::move(*bad);
  const std::int32_t from = in.getFrom();
  const std::int32_t to = in.getTo();
  if (from <= 0 || to <= 0) return refuse(fmt::format("from {} to {}: node ids are > 0", from, to));
  if (from == to) return refuse(fmt::format("from {} to itself", from));
  const term_id term{in.getTerm()};
  if (term.value() < 0 || term.value() > term_limit) {
    return refuse(fmt::format("term {} outside [0, 2^31)", term));
  }
  BOOST_OUTCOME_TRY(auto body, read_body(in, term, limits));
  return group_message{
      .group = {std::string(topic), in.getPartition()},
      .message = {.from = node_id{from}, .to = node_id{to}, .body = std::move(body)}};
}

}  // namespace

decoded<group_message> decode_message(wire::RaftMessage::Reader in, const codec_limits& limits) {
  // parse_request validated the frame, so no accessor meets malformed data; but validation may
  // have spent most of the frame's traversal budget (pointers aliasing one big object are
  // charged on every visit), and then any further read throws. That is bad input, not a bug.
  try {
    auto m = read_message(in, limits);
    if (!m) {
      // Name the group and the sender: the log line must say which group a bad peer disturbs.
      decode_error e = std::move(m).error();
      e.message = fmt::format("{}/{} from {}: {}", printable(text_of(in.getTopic())),
                              in.getPartition(), in.getFrom(), e.message);
      return e;
    }
    return m;
  } catch (const kj::Exception& e) {
    return refuse(fmt::format("unreadable message: {}", printable(e.getDescription().cStr())));
  }
}

void encode_leadership(const raft::partition_leadership& l,
                       wire::PartitionLeadership::Builder out) {
  out.setTopic(l.topic);
  out.setPartition(l.partition);
  out.setLeader(l.leader.value());
  out.setLeaderEpoch(l.epoch.value());
  auto replicas = out.initReplicas(static_cast<unsigned>(l.replicas.size()));
  for (unsigned i = 0; i < replicas.size(); ++i)
    replicas.set(i, l.replicas[i].value());
  auto isr = out.initInSyncReplicas(static_cast<unsigned>(l.isr.size()));
  for (unsigned i = 0; i < isr.size(); ++i)
    isr.set(i, l.isr[i].value());
  out.setLogStartOffset(l.log_start.value());
  out.setHighWatermark(l.high_watermark.value());
  out.setLogEndOffset(l.log_end.value());
  auto states = out.initReplicaStates(static_cast<unsigned>(l.replica_states.size()));
  for (unsigned i = 0; i < states.size(); ++i) {
    const raft::replica_state& s = l.replica_states[i];
    states[i].setNodeId(s.node.value());
    states[i].setMatchEnd(s.match_end.value());
    states[i].setLag(s.lag);
    states[i].setInSync(s.in_sync);
    states[i].setLogStartOffset(s.log_start.value());
  }
}

namespace {

decoded<raft::partition_leadership> read_leadership(wire::PartitionLeadership::Reader in,
                                                    const codec_limits& limits) {
  raft::partition_leadership l;
  l.topic = std::string(text_of(in.getTopic()));
  l.partition = in.getPartition();
  if (auto bad = check_group(l.topic, l.partition)) return std::move(*bad);
  l.leader = node_id{in.getLeader()};
  l.epoch = term_id{in.getLeaderEpoch()};
  if (l.leader.value() <= 0) return refuse(fmt::format("leader {} (ids are > 0)", l.leader));
  if (l.epoch.value() < 0 || l.epoch.value() > term_limit) {
    return refuse(fmt::format("leader epoch {} outside [0, 2^31)", l.epoch));
  }
  BOOST_OUTCOME_TRY(l.replicas, read_unique_ids(in.getReplicas(), limits.members_max, "replicas"));
  BOOST_OUTCOME_TRY(l.isr, read_unique_ids(in.getInSyncReplicas(), limits.members_max, "isr"));
  if (!contains(l.replicas, l.leader)) {
    return refuse(fmt::format("leader {} is not a replica", l.leader));
  }
  for (node_id id : l.isr) {
    if (!contains(l.replicas, id)) return refuse(fmt::format("isr member {} is not a replica", id));
  }
  l.log_start = log_offset{in.getLogStartOffset()};
  l.high_watermark = log_offset{in.getHighWatermark()};
  l.log_end = log_offset{in.getLogEndOffset()};
  if (l.log_start.value() < 0 || l.high_watermark < l.log_start || l.log_end < l.high_watermark ||
      l.log_end.value() > offset_limit) {
    return refuse(
        fmt::format("offsets not ordered 0 <= logStart {} <= highWatermark {} <= "
                    "logEnd {} <= 2^62",
                    l.log_start, l.high_watermark, l.log_end));
  }
  auto states = in.getReplicaStates();
  BOOST_OUTCOME_TRY(auto n, bounded(states, limits.members_max, "replicaStates"));
  l.replica_states.reserve(n);
  std::vector<node_id> seen;
  for (auto s : states) {
    raft::replica_state r{.node = node_id{s.getNodeId()},
                          .match_end = log_offset{s.getMatchEnd()},
                          .lag = s.getLag(),
                          .in_sync = s.getInSync(),
                          .log_start = log_offset{s.getLogStartOffset()}};
    if (auto bad = check_log_start(r.log_start.value(), "replica logStartOffset")) {
      return std::move(*bad);
    }
    if (!contains(l.replicas, r.node)) {
      return refuse(fmt::format("replica state for {}, not a replica", r.node));
    }
    if (contains(seen, r.node)) return refuse(fmt::format("replica state for {} twice", r.node));
    if (r.match_end.value() < 0 || r.match_end > l.log_end || r.lag < 0) {
      return refuse(fmt::format("replica {}: matchEnd {} outside [0, {}] or lag {} < 0", r.node,
                                r.match_end, l.log_end, r.lag));
    }
    seen.push_back(r.node);
    l.replica_states.push_back(r);
  }
  return l;
}

}  // namespace

decoded<raft::partition_leadership> decode_leadership(wire::PartitionLeadership::Reader in,
                                                      const codec_limits& limits) {
  try {  // see decode_message
    auto l = read_leadership(in, limits);
    if (!l) {
      decode_error e = std::move(l).error();
      e.message = fmt::format("leadership of {}/{}: {}", printable(text_of(in.getTopic())),
                              in.getPartition(), e.message);
      return e;
    }
    return l;
  } catch (const kj::Exception& e) {
    return refuse(fmt::format("unreadable leadership: {}", printable(e.getDescription().cStr())));
  }
}

}  // namespace cairn::peer
