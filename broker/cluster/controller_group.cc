#include "broker/cluster/controller_group.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <optional>

#include "broker/controller/commands.h"
#include "broker/controller/controller_errc.h"
#include "eventstore/record/control_batch.h"
#include "eventstore/record/record_batch.h"
#include "protocol/wire_errc.h"

namespace cairn::broker::cluster {
namespace asio = boost::asio;

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const raft::group_id kGroup = raft::controller_group();

}  // namespace

result<std::unique_ptr<controller_group>> controller_group::open(
    asio::io_context& io, const std::string& dir, partition::options partition_options,
    std::vector<std::int32_t> voters, replication::replica_manager& replicas, flush_runner flush,
    change_callback on_change) {
  partition_options.replicated = true;
  CAIRN_TRY(auto opened, partition::open(dir, partition_options));
  std::shared_ptr<partition> log(std::move(opened));
  raftlog::partition_raft_log_options log_options;
  for (std::int32_t id : voters)
    log_options.bootstrap.voters.push_back(raft::node_id{id});
  std::sort(log_options.bootstrap.voters.begin(), log_options.bootstrap.voters.end());
  CAIRN_TRY(auto raft_log, raftlog::partition_raft_log::open(*log, log_options));
  const raft::hard_state hs = raft_log->hard_state();

  std::unique_ptr<controller_group> group(
      new controller_group(io, log, replicas, std::move(on_change)));
  controller_group* self = group.get();
  replication::replica::hooks h;
  if (flush) {
    h.flush = [flush, log](std::int64_t end, std::function<void(bool)> done) {
      flush(log, end, std::move(done));
    };
  }
  h.committed = [self](std::int64_t end) {
    self->log_->set_high_watermark(end);
    self->apply_committed(end);
  };
  h.changed = [self](const replication::election_state& s) {
    const bool leading = s.role == raft::role::leader;
    {
      std::lock_guard lock(self->leader_mu_);
      self->controller_id_ = s.leader.value() > 0 ? s.leader.value() : -1;
      self->is_controller_ = leading;
    }
    if (!leading) self->fail_waiting(protocol::errc::not_controller);
    spdlog::info("controller: {} (term {}, leader {})", raft::to_string(s.role), s.term, s.leader);
  };
  replicas.add(kGroup, std::move(raft_log), hs, std::move(h));
  return group;
}

controller_group::controller_group(asio::io_context& io, std::shared_ptr<partition> log,
                                   replication::replica_manager& replicas,
                                   change_callback on_change)
    : io_(io), log_(std::move(log)), replicas_(replicas), on_change_(std::move(on_change)) {}

controller_group::~controller_group() {
  replicas_.remove(kGroup);
}

raft::configuration controller_group::membership() const {
  auto it = replicas_.replicas().find(kGroup);
  return it != replicas_.replicas().end() ? it->second->log().config() : raft::configuration{};
}

void controller_group::reconcile_members(const std::vector<std::int32_t>& brokers) {
  replication::replica* r = replicas_.find(kGroup);
  if (r == nullptr || !r->is_leader()) return;
  const raft::configuration cfg = r->log().config();
  const auto in_map = [&](raft::node_id id) {
    return std::find(brokers.begin(), brokers.end(), id.value()) != brokers.end();
  };
  std::optional<std::pair<raft::config_op, raft::node_id>> step;
  for (std::int32_t b : brokers) {
    if (!cfg.is_member(raft::node_id{b})) {
      step = {raft::config_op::add_learner, raft::node_id{b}};
      break;
    }
  }
  if (!step) {
    const std::int64_t end = r->log().end_offset().value();
    for (const raft::follower_status& f : r->followers()) {
      // Caught up now: promoted, it does not hold the quorum back while it copies the log.
      if (f.learner && in_map(f.id) && f.recent_active && f.match_end.value() >= end) {
        step = {raft::config_op::promote, f.id};
        break;
      }
    }
  }
  if (!step) {
    for (const auto* set : {&cfg.learners, &cfg.voters}) {
      for (raft::node_id id : *set) {
        if (!in_map(id)) {
          step = {raft::config_op::remove, id};
          break;
        }
      }
      if (step) break;
    }
  }
  if (!step) return;
  if (auto changed = r->change_config(step->first, step->second); changed) {
    spdlog::info("controller: {} broker {} (config at offset {})", raft::to_string(step->first),
                 step->second, changed.value().base_offset);
  } else if (changed.error() != raft::errc::config_change_pending &&
             changed.error() != raft::errc::leader_not_ready &&
             changed.error() != raft::errc::transfer_in_progress) {
    spdlog::warn("controller: cannot {} broker {}: {}", raft::to_string(step->first), step->second,
                 changed.error().message());
  }
}

std::int32_t controller_group::controller_id() const {
  std::lock_guard lock(leader_mu_);
  return controller_id_;
}

bool controller_group::is_controller() const {
  std::lock_guard lock(leader_mu_);
  return is_controller_;
}

void controller_group::apply_committed(std::int64_t commit_end) {
  if (commit_end <= applied_end_) return;
  // Stops the scan at the first batch past the commit end (not an error).
  const std::error_code stop = std::make_error_code(std::errc::interrupted);
  auto scanned =
      log_->log().scan(applied_end_, [&](const eventstore::record_batch_view& b) -> result<void> {
        if (b.base_offset() >= commit_end) return stop;
        if (b.base_offset() < applied_end_) return success();  // applied before a restart
        result<controller::state_change> outcome{controller::state_change{}};
        if (!eventstore::is_control_batch(b.header())) {
          for (const eventstore::record_view& r : b) {
            const std::int64_t offset = b.base_offset() + r.offset_delta;
            auto folded = state_.apply(offset, r.value.value_or(std::string_view()));
            if (!folded) {
              // Refused the same way on every broker: the state is unchanged everywhere. A
              // stale alter is the compare-and-set doing its work (its broker computes again).
              const auto level = folded.error() == controller::errc::stale_topic_version
                                     ? spdlog::level::info
                                     : spdlog::level::warn;
              spdlog::log(level, "controller: record at {} refused: {}", offset,
                          folded.error().message());
              outcome = folded.error();
              continue;
            }
            if (!folded.value().empty() && on_change_) on_change_(folded.value());
            outcome = std::move(folded);
          }
        }
        applied_end_ = b.next_offset();
        outcomes_.insert_or_assign(applied_end_, std::move(outcome));
        return success();
      });
  if (!scanned && scanned.error() != stop) {
    spdlog::critical("controller: reading the committed log failed: {}", scanned.error().message());
    return;
  }
  {
    std::lock_guard lock(applied_mu_);
    applied_end_published_ = applied_end_;
  }
  applied_changed_.notify_all();
  while (!waiting_.empty() && waiting_.begin()->first <= applied_end_) {
    auto node = waiting_.extract(waiting_.begin());
    auto outcome = outcomes_.find(node.key());
    if (outcome == outcomes_.end()) {
      node.mapped()(applied{.change = {}, .end = node.key()});
    } else if (!outcome->second) {
      node.mapped()(outcome->second.error());
    } else {
      node.mapped()(applied{.change = outcome->second.value(), .end = node.key()});
    }
  }
  // Outcomes no proposal of this broker waits for are not kept.
  outcomes_.erase(outcomes_.begin(), outcomes_.upper_bound(applied_end_));
}

void controller_group::fail_waiting(std::error_code why) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [end, done] : waiting)
    done(why);
}

void controller_group::propose(const command_builder& build, completion done) {
  replication::replica* r = replicas_.find(kGroup);
  if (r == nullptr || !r->is_leader()) {
    done(protocol::errc::not_controller);
    return;
  }
  auto built = build(state_);
  if (!built) {
    done(built.error());
    return;
  }
  const controller::command& c = built.value();
  if (auto checked = state_.check(c); !checked) {
    done(checked.error());
    return;
  }
  eventstore::record_batch_builder builder;
  const std::string value = controller::encode(c);
  builder.add({.value = value, .timestamp_ms = wall_ms()});
  auto proposed = r->propose(builder.finish(), 1);
  if (!proposed) {
    done(protocol::errc::not_controller);
    return;
  }
  waiting_.emplace(proposed.value().last_offset.value() + 1, std::move(done));
}

result<controller_group::applied> controller_group::submit(command_builder build,
                                                           std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<result<applied>>>();
  auto outcome = done->get_future();
  asio::post(io_, [this, build = std::move(build), done] {
    propose(build, [done](result<applied> r) { done->set_value(std::move(r)); });
  });
  if (outcome.wait_for(timeout) != std::future_status::ready) {
    return protocol::errc::request_timed_out;
  }
  return outcome.get();
}

bool controller_group::wait_applied(std::int64_t end,
                                    std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(applied_mu_);
  return applied_changed_.wait_until(lock, deadline, [&] { return applied_end_published_ >= end; });
}

result<void> controller_group::close() {
  return log_->close();
}

}  // namespace cairn::broker::cluster
