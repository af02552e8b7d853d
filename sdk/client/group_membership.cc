// group_membership: poll's step(), the heartbeat loop, commits and leaving. The rebalance task
// (FindCoordinator, JoinGroup, the leader's assignment, SyncGroup) is in group_join.cc.
#include "sdk/client/group_membership.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "sdk/client/by_topic.h"
#include "sdk/group/rebalance_plan.h"

namespace cairn::sdk {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Turns of one step(): each hands out an event, applies an outcome, or starts a rebalance, so a
// handful suffices; the bound keeps a bug from spinning the io thread.
constexpr int kStepTurnsMax = 8;

// LeaveGroup is best effort: a member that cannot reach its coordinator is removed when its
// session times out anyway.
constexpr std::chrono::milliseconds kLeaveTimeout{5'000};

std::vector<topic_partition> minus(const std::vector<topic_partition>& from,
                                   const std::vector<topic_partition>& take) {
  std::set<topic_partition> gone(take.begin(), take.end());
  std::vector<topic_partition> out;
  for (const auto& tp : from) {
    if (!gone.contains(tp)) out.push_back(tp);
  }
  return out;
}

}  // namespace

result<membership_config> membership_config::make(const consumer_options& options,
                                                  std::vector<std::string> topics,
                                                  std::string group_id, std::string client_id) {
  if (group_id.empty() || topics.empty() || options.assignors.empty()) {
    return errc::invalid_config;
  }
  if (options.session_timeout_ms <= 0 || options.rebalance_timeout_ms <= 0 ||
      options.heartbeat_interval_ms <= 0 || options.auto_commit_interval_ms <= 0) {
    return errc::invalid_config;
  }
  if (options.group_instance_id && options.group_instance_id->empty()) {
    return errc::invalid_config;
  }
  membership_config config;
  for (const auto& name : options.assignors) {
    auto found = find_assignor(name);
    if (!found) return errc::invalid_config;
    config.assignors.push_back(*found);
  }
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  if (std::any_of(topics.begin(), topics.end(), [](const auto& t) { return t.empty(); })) {
    return errc::invalid_config;
  }
  config.group_id = std::move(group_id);
  config.topics = std::move(topics);
  config.instance_id = options.group_instance_id;
  config.session_timeout_ms = options.session_timeout_ms;
  config.rebalance_timeout_ms = options.rebalance_timeout_ms;
  config.heartbeat_interval_ms = options.heartbeat_interval_ms;
  config.client_id = std::move(client_id);
  return config;
}

group_membership::group_membership(client_impl& c, membership_config config)
    : client_(c), config_(std::move(config)), coordinator_(c, config_.group_id) {
  protocol_kind_ = config_.assignors.front().protocol;
  clock_.interval_ms = config_.heartbeat_interval_ms;
  clock_.max_poll_interval_ms = config_.rebalance_timeout_ms;
  clock_.last_poll_ms = now_ms();
}

group_membership::~group_membership() = default;

std::int64_t group_membership::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::milliseconds group_membership::request_timeout() const {
  return client_.request_timeout();
}

group_membership_info group_membership::info() const {
  return {.group_id = config_.group_id,
          .member_id = member_id_,
          .generation = generation_,
          .protocol = protocol_};
}

void group_membership::notify() {
  changed_ = true;
  if (change_timer_) change_timer_->cancel();
}

asio::awaitable<void> group_membership::wait_for_change(time_point deadline) {
  if (changed_) {
    changed_ = false;
    co_return;
  }
  auto timer = std::make_shared<asio::steady_timer>(client_.io(), deadline);
  change_timer_ = timer;
  co_await timer->async_wait(use_tuple);
  if (change_timer_ == timer) change_timer_.reset();
  changed_ = false;
}

void group_membership::poll_started() {
  clock_.in_poll = true;
  clock_.last_poll_ms = now_ms();
}

void group_membership::poll_ended() {
  clock_.in_poll = false;
  clock_.last_poll_ms = now_ms();
}

void group_membership::resubscribe(std::vector<std::string> topics) {
  if (topics == config_.topics) return;
  config_.topics = std::move(topics);
  rejoin_requested_ = true;
  notify();
}

std::optional<group_event> group_membership::take_pending() {
  if (pending_.empty()) return std::nullopt;
  group_event ev = std::move(pending_.front());
  pending_.erase(pending_.begin());
  return ev;
}

result<std::optional<group_event>> group_membership::step() {
  changed_ = false;
  for (int turn = 0; turn < kStepTurnsMax; ++turn) {
    if (auto ev = take_pending()) return ev;
    if (fatal_) return *fatal_;
    if (lost_) {
      // Out of the generation it owned its partitions in: someone else may read them already.
      std::error_code why = *lost_;
      lost_.reset();
      stop_heartbeats();
      outcome_.reset();
      if (phase_ == phase::rebalancing) ++epoch_;  // its answer would be for the old member
      if (why == protocol::errc::unknown_member_id) member_id_.clear();
      generation_ = -1;
      phase_ = phase::unjoined;
      if (!owned_.empty()) {
        group_event ev{group_event::kind::lost, std::move(owned_)};
        owned_.clear();
        return ev;
      }
      continue;
    }
    switch (phase_) {
      case phase::stable:
        if (!rejoin_requested_) return std::nullopt;
        phase_ = phase::unjoined;
        [[fallthrough]];
      case phase::unjoined: {
        // Revoke first (eager: everything; cooperative: topics no longer subscribed), and only
        // once the consumer has handled that, join.
        auto revoke = revoke_before_join(protocol_kind_, owned_, config_.topics);
        if (!revoke.empty()) {
          owned_ = minus(owned_, revoke);
          return group_event{group_event::kind::revoked, std::move(revoke)};
        }
        rejoin_requested_ = false;
        stop_heartbeats();
        phase_ = phase::rebalancing;
        ++epoch_;
        asio::co_spawn(client_.io(), run_rebalance(shared_from_this(), epoch_), asio::detached);
        return std::nullopt;
      }
      case phase::rebalancing:
        return std::nullopt;
      case phase::rebalanced: {
        CAIRN_ASSERT(outcome_.has_value(), "rebalanced without an outcome");
        auto out = std::move(*outcome_);
        outcome_.reset();
        phase_ = phase::unjoined;
        if (!out) {
          auto r = recovery_for(out.error());
          if (loses_partitions(r)) {
            lost_ = out.error();
            continue;
          }
          if (r == group_recovery::fatal) {
            fatal_ = out.error();
            return out.error();
          }
          // Retriable (the coordinator stayed out of reach): the next step joins again.
          return std::nullopt;
        }
        auto change = apply_assignment(protocol_kind_, owned_, out.value().assigned);
        owned_ = change.kept;
        owned_.insert(owned_.end(), change.added.begin(), change.added.end());
        std::sort(owned_.begin(), owned_.end());
        phase_ = phase::stable;
        if (change.rejoin || out.value().follow_up) rejoin_requested_ = true;
        if (!change.revoked.empty()) {
          pending_.push_back({group_event::kind::revoked, std::move(change.revoked)});
        }
        pending_.push_back({group_event::kind::assigned, std::move(change.added)});
        continue;
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Heartbeats

void group_membership::start_heartbeats() {
  stop_heartbeats();
  hb_timer_ = std::make_shared<asio::steady_timer>(client_.io());
  clock_.last_sent_ms = now_ms();  // the sync just answered counts as contact
  asio::co_spawn(client_.io(), run_heartbeats(shared_from_this(), hb_epoch_), asio::detached);
}

void group_membership::stop_heartbeats() {
  ++hb_epoch_;
  if (hb_timer_) hb_timer_->cancel();
  hb_timer_.reset();
}

asio::awaitable<result<void>> group_membership::send_heartbeat() {
  auto timeout = std::min(request_timeout(), std::chrono::milliseconds(config_.session_timeout_ms));
  auto response = co_await coordinator_.call(
      [&](wire::Request::Builder req) {
        auto h = req.initHeartbeat();
        h.setGroupId(config_.group_id);
        h.setGenerationId(generation_);
        h.setMemberId(member_id_);
        if (config_.instance_id) h.setGroupInstanceId(*config_.instance_id);
      },
      wire::Response::HEARTBEAT, timeout, steady_clock::now() + timeout);
  if (!response) co_return response.error();
  co_return success();
}

// Runs from the end of a sync until stop_heartbeats() (a rebalance, a loss, leave): it ends
// with its epoch, so it is bounded by the membership's generations.
asio::awaitable<void> group_membership::run_heartbeats(std::shared_ptr<group_membership> self,
                                                       std::uint64_t epoch) {
  auto timer = self->hb_timer_;
  while (self->hb_epoch_ == epoch) {
    auto decision = self->clock_.next(self->now_ms());
    if (decision.action == heartbeat_action::wait) {
      timer->expires_after(std::chrono::milliseconds(decision.wait_ms));
      co_await timer->async_wait(use_tuple);
      continue;
    }
    if (decision.action == heartbeat_action::leave) {
      // Kafka's rule: a member that stopped polling is stuck; let the others take over.
      std::string reason = "the consumer did not call poll() within max.poll.interval.ms";
      co_await self->send_leave(std::move(reason));
      if (self->hb_epoch_ != epoch) co_return;
      self->mark_lost(protocol::errc::unknown_member_id);  // it is no longer a member
      co_return;
    }
    self->clock_.last_sent_ms = self->now_ms();
    std::int32_t generation = self->generation_;
    auto beat = co_await self->send_heartbeat();
    if (self->hb_epoch_ != epoch) co_return;
    if (!beat) self->on_group_error(beat.error(), generation);
  }
}

void group_membership::mark_lost(std::error_code ec) {
  lost_ = ec;
  stop_heartbeats();
  notify();
}

void group_membership::on_group_error(std::error_code ec, std::int32_t generation) {
  if (generation != generation_ || phase_ == phase::rebalancing) return;  // already moved on
  auto r = recovery_for(ec);
  if (loses_partitions(r)) {
    mark_lost(ec);
  } else if (r == group_recovery::rejoin) {
    if (!rejoin_requested_) {
      rejoin_requested_ = true;
      notify();
    }
  } else if (ec == protocol::errc::fenced_instance_id) {
    fatal_ = ec;  // another process took this instance id: this one must stop
    stop_heartbeats();
    notify();
  }
  // Others (the coordinator out of reach): the next heartbeat or commit tries again.
}

// ---------------------------------------------------------------------------------------------
// Offsets

asio::awaitable<result<void>> group_membership::commit(
    std::map<topic_partition, std::int64_t> offsets, std::string metadata) {
  if (offsets.empty()) co_return success();
  if (fatal_) co_return *fatal_;
  if (lost_) co_return *lost_;
  if (generation_ < 0 || member_id_.empty()) co_return protocol::errc::rebalance_in_progress;
  std::int32_t generation = generation_;
  auto response = co_await coordinator_.call(
      [&](wire::Request::Builder req) {
        auto c = req.initOffsetCommit();
        c.setGroupId(config_.group_id);
        c.setGenerationId(generation);
        c.setMemberId(member_id_);
        if (config_.instance_id) c.setGroupInstanceId(*config_.instance_id);
        fill_by_topic(
            offsets, [](const auto& at) -> std::string_view { return at.first.topic; },
            [&](unsigned n) { return c.initTopics(n); },
            [&](auto& parts, unsigned i, const auto& at) {
              parts[i].setPartition(at.first.partition);
              parts[i].setOffset(at.second);
              parts[i].setMetadata(metadata);
            });
      },
      wire::Response::OFFSET_COMMIT, request_timeout(), steady_clock::now() + request_timeout());
  if (!response) {
    on_group_error(response.error(), generation);
    co_return response.error();
  }
  for (auto topic : response.value().root().getOffsetCommit().getTopics()) {
    for (auto p : topic.getPartitions()) {
      if (p.getErrorCode() == wire::ErrorCode::NONE) continue;
      std::error_code ec = protocol::from_wire(p.getErrorCode());
      on_group_error(ec, generation);
      co_return ec;
    }
  }
  co_return success();
}

asio::awaitable<result<std::map<topic_partition, std::int64_t>>> group_membership::fetch_committed(
    std::vector<topic_partition> partitions) {
  std::map<topic_partition, std::int64_t> out;
  if (partitions.empty()) co_return out;
  BOOST_OUTCOME_CO_TRY(
      auto response,
      co_await coordinator_.call(
          [&](wire::Request::Builder req) {
            auto f = req.initOffsetFetch();
            f.setGroupId(config_.group_id);
            fill_by_topic(
                partitions, [](const topic_partition& tp) -> std::string_view { return tp.topic; },
                [&](unsigned n) { return f.initTopics(n); },
                [](auto& parts, unsigned i, const topic_partition& tp) {
                  parts.set(i, tp.partition);
                });
          },
          wire::Response::OFFSET_FETCH, request_timeout(),
          steady_clock::now() + request_timeout()));
  for (auto topic : response.root().getOffsetFetch().getTopics()) {
    std::string name = topic.getName();
    for (auto p : topic.getPartitions()) {
      if (p.getErrorCode() != wire::ErrorCode::NONE)
        co_return protocol::from_wire(p.getErrorCode());
      if (p.getOffset() >= 0) out[{name, p.getPartition()}] = p.getOffset();
    }
  }
  co_return out;
}

// ---------------------------------------------------------------------------------------------
// Leaving

asio::awaitable<void> group_membership::send_leave(std::string reason) {
  if (member_id_.empty()) co_return;
  auto timeout = std::min(request_timeout(), kLeaveTimeout);
  // The answer does not matter: the member is gone either way (or will be at session timeout).
  auto ignored = co_await coordinator_.call(
      [&](wire::Request::Builder req) {
        auto l = req.initLeaveGroup();
        l.setGroupId(config_.group_id);
        auto m = l.initMembers(1)[0];
        m.setMemberId(member_id_);
        if (config_.instance_id) m.setGroupInstanceId(*config_.instance_id);
        m.setReason(reason);
      },
      wire::Response::LEAVE_GROUP, timeout, steady_clock::now() + timeout);
  (void)ignored;
}

asio::awaitable<void> group_membership::leave(std::string reason) {
  ++epoch_;
  stop_heartbeats();
  outcome_.reset();
  pending_.clear();
  std::string leaving = member_id_;
  if (!config_.instance_id) co_await send_leave(std::move(reason));
  // Whatever ran meanwhile was silenced by the epoch: reset to a fresh, unjoined member.
  if (member_id_ == leaving) member_id_.clear();
  generation_ = -1;
  owned_.clear();
  phase_ = phase::unjoined;
  rejoin_requested_ = false;
  lost_.reset();
}

}  // namespace cairn::sdk
