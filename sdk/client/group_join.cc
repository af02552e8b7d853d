// group_membership's rebalance task: JoinGroup (again with the given id on memberIdRequired), the
// leader's assignment over every member's subscription, SyncGroup. Runs in the background; its
// outcome (or the error that ended it) waits in outcome_ for the next step().
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sdk/client/group_membership.h"
#include "sdk/group/leader_assignment.h"
#include "sdk/group/membership_codec.h"

namespace cairn::sdk {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

namespace {

// JoinGroup/SyncGroup rounds of one rebalance. Each retriable failure waits (100 ms doubling to
// 2 s), so the bound covers a minute or more of an unreachable coordinator; then the next poll
// starts a new task.
constexpr int kRoundsMax = 30;

constexpr std::string_view kProtocolType = "consumer";

capnp::Data::Reader data_of(const std::string& bytes) {
  return {reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size()};
}

std::string bytes_of(capnp::Data::Reader data) {
  return {reinterpret_cast<const char*>(data.begin()), data.size()};
}

}  // namespace

struct group_membership::join_answer {
  std::int32_t generation = -1;
  std::string member_id;
  std::string leader;
  std::string protocol;
  bool skip_assignment = false;
  std::vector<joined_member> members;  // for the leader
};

asio::awaitable<void> group_membership::run_rebalance(std::shared_ptr<group_membership> self,
                                                      std::uint64_t epoch) {
  auto out = co_await self->rebalance(epoch);
  if (self->epoch_ != epoch) co_return;  // left, or lost meanwhile: the answer is not ours
  if (out) self->start_heartbeats();
  self->outcome_ = std::move(out);
  self->phase_ = phase::rebalanced;
  self->notify();
}

result<std::string> group_membership::subscription_bytes() const {
  return encode_subscription({.topics = config_.topics,
                              .owned = owned_,
                              .generation = owned_.empty() ? -1 : generation_,
                              .user_data = std::nullopt});
}

asio::awaitable<result<group_membership::join_outcome>> group_membership::rebalance(
    std::uint64_t epoch) {
  std::error_code last = protocol::errc::coordinator_not_available;
  std::int32_t failures = 0;
  for (int round = 0; round < kRoundsMax; ++round) {
    if (failures > 0) {
      auto wait =
          std::chrono::milliseconds(std::min<std::int64_t>(100LL << std::min(failures, 5), 2'000));
      asio::steady_timer timer(client_.io(), wait);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (epoch_ != epoch) co_return errc::aborted;
    }
    auto deadline = steady_clock::now() + request_timeout() +
                    std::chrono::milliseconds(config_.rebalance_timeout_ms);
    auto joined = co_await join_group(deadline);
    if (epoch_ != epoch) co_return errc::aborted;
    std::error_code ec = joined ? std::error_code{} : joined.error();
    std::map<std::string, std::string> assignments;
    bool follow_up = false;
    if (!ec) {
      const join_answer& j = joined.value();
      member_id_ = j.member_id;
      generation_ = j.generation;
      protocol_ = j.protocol;
      protocol_kind_ = find_assignor(j.protocol)->protocol;
      if (j.leader == j.member_id && !j.skip_assignment) {
        auto computed = co_await leader_assign(j, follow_up);
        if (epoch_ != epoch) co_return errc::aborted;
        // A member's bad subscription will be there next round too: give up this rebalance.
        if (!computed) co_return computed.error();
        assignments = std::move(computed).value();
      }
      auto synced = co_await sync_group(j, assignments, deadline);
      if (epoch_ != epoch) co_return errc::aborted;
      if (synced) {
        co_return join_outcome{.generation = generation_,
                               .protocol = protocol_,
                               .assigned = std::move(synced).value(),
                               .follow_up = follow_up};
      }
      ec = synced.error();
    }
    last = ec;
    switch (recovery_for(ec)) {
      case group_recovery::use_given_member_id:  // join_group kept the id
      case group_recovery::rejoin:
        failures = 0;
        continue;
      case group_recovery::reset_member:
        member_id_.clear();
        [[fallthrough]];
      case group_recovery::reset_generation:
        generation_ = -1;
        // Owned partitions (cooperative) were owned in a generation the member is not in.
        if (!owned_.empty()) co_return ec;
        failures = 0;
        continue;
      case group_recovery::find_coordinator:
        coordinator_.forget();
        ++failures;
        continue;
      case group_recovery::retry:
        ++failures;
        continue;
      case group_recovery::none:
      case group_recovery::fatal:
        co_return ec;
    }
  }
  co_return last;
}

asio::awaitable<result<group_membership::join_answer>> group_membership::join_group(
    time_point deadline) {
  // One subscription for every protocol offered: the format is the same for all of them.
  BOOST_OUTCOME_CO_TRY(auto metadata, subscription_bytes());
  auto timeout = request_timeout() + std::chrono::milliseconds(config_.rebalance_timeout_ms);
  BOOST_OUTCOME_CO_TRY(auto response,
                       co_await coordinator_.call(
                           [&](wire::Request::Builder req) {
                             auto j = req.initJoinGroup();
                             j.setGroupId(config_.group_id);
                             j.setSessionTimeoutMs(config_.session_timeout_ms);
                             j.setRebalanceTimeoutMs(config_.rebalance_timeout_ms);
                             j.setMemberId(member_id_);
                             if (config_.instance_id) j.setGroupInstanceId(*config_.instance_id);
                             j.setClientId(config_.client_id);
                             j.setProtocolType(std::string(kProtocolType));
                             auto protocols =
                                 j.initProtocols(static_cast<unsigned>(config_.assignors.size()));
                             for (unsigned i = 0; i < config_.assignors.size(); ++i) {
                               protocols[i].setName(std::string(config_.assignors[i].name));
                               protocols[i].setMetadata(data_of(metadata));
                             }
                             j.setReason(generation_ < 0 ? "joining" : "rejoining");
                           },
                           wire::Response::JOIN_GROUP, timeout, deadline, /*keep_error=*/true));
  auto root = response.root();
  auto j = root.getJoinGroup();
  if (root.getErrorCode() != wire::ErrorCode::NONE) {
    std::error_code ec = protocol::from_wire(root.getErrorCode());
    if (ec == protocol::errc::member_id_required) {
      if (j.getMemberId().size() == 0) co_return errc::unexpected_response;
      member_id_ = j.getMemberId();
    }
    co_return ec;
  }
  join_answer answer{.generation = j.getGenerationId(),
                     .member_id = j.getMemberId(),
                     .leader = j.getLeader(),
                     .protocol = j.getProtocolName(),
                     .skip_assignment = j.getSkipAssignment(),
                     .members = {}};
  bool ours = false;
  for (const auto& a : config_.assignors)
    ours = ours || a.name == answer.protocol;
  if (!ours) co_return protocol::errc::inconsistent_group_protocol;
  if (answer.member_id.empty() || answer.generation < 0) co_return errc::unexpected_response;
  for (auto m : j.getMembers()) {
    std::optional<std::string> instance;
    if (m.hasGroupInstanceId()) instance = std::string(m.getGroupInstanceId());
    answer.members.push_back({m.getMemberId(), std::move(instance), bytes_of(m.getMetadata())});
  }
  co_return answer;
}

asio::awaitable<result<std::map<std::string, std::string>>> group_membership::leader_assign(
    const join_answer& joined, bool& follow_up) {
  BOOST_OUTCOME_CO_TRY(auto members, decode_members(joined.members));
  std::vector<std::string> topics = subscribed_topics(members);
  std::map<std::string, std::int32_t> counts;
  if (!topics.empty()) {
    // Fresh metadata: a topic may have grown, or been created since the last look.
    BOOST_OUTCOME_CO_TRY(auto info, co_await client_.refresh_metadata(std::move(topics)));
    for (const auto& t : info.topics) {
      if (!t.error) counts[t.name] = static_cast<std::int32_t>(t.partitions.size());
    }
  }
  auto chosen = find_assignor(joined.protocol);
  CAIRN_ASSERT(chosen.has_value(), "join_group accepted protocol {}", joined.protocol);
  BOOST_OUTCOME_CO_TRY(auto computed, compute_assignment(*chosen, members, counts));
  follow_up = computed.follow_up;
  co_return std::move(computed.encoded);
}

asio::awaitable<result<std::vector<topic_partition>>> group_membership::sync_group(
    const join_answer& joined, const std::map<std::string, std::string>& assignments,
    time_point deadline) {
  // A follower's sync waits at the coordinator for the leader's.
  auto timeout = request_timeout() + std::chrono::milliseconds(config_.rebalance_timeout_ms);
  BOOST_OUTCOME_CO_TRY(
      auto response, co_await coordinator_.call(
                         [&](wire::Request::Builder req) {
                           auto s = req.initSyncGroup();
                           s.setGroupId(config_.group_id);
                           s.setGenerationId(joined.generation);
                           s.setMemberId(joined.member_id);
                           if (config_.instance_id) s.setGroupInstanceId(*config_.instance_id);
                           s.setProtocolType(std::string(kProtocolType));
                           s.setProtocolName(joined.protocol);
                           auto list = s.initAssignments(static_cast<unsigned>(assignments.size()));
                           unsigned i = 0;
                           for (const auto& [member_id, bytes] : assignments) {
                             list[i].setMemberId(member_id);
                             list[i].setAssignment(data_of(bytes));
                             ++i;
                           }
                         },
                         wire::Response::SYNC_GROUP, timeout, deadline));
  auto bytes = bytes_of(response.root().getSyncGroup().getAssignment());
  if (bytes.empty()) co_return std::vector<topic_partition>{};  // nothing for this member
  BOOST_OUTCOME_CO_TRY(auto assignment, decode_assignment(bytes));
  co_return std::move(assignment.partitions);
}

}  // namespace cairn::sdk
