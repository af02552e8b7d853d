#include "broker/cluster/cluster_node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "broker/controller/assignment.h"
#include "broker/controller/commands.h"
#include "broker/controller/controller_errc.h"
#include "broker/errc.h"
#include "broker/net/group_coordinator.h"
#include "eventstore/errc.h"
#include "protocol/wire_errc.h"

namespace cairn::broker::cluster {
namespace asio = boost::asio;

namespace {

// Kafka's low watermark (Partition.lowWatermarkIfLeader): the least log start of the live
// replicas, here the in-sync set with the leader in it; -1 while one has not reported its start.
std::int64_t low_watermark(const raft::partition_leadership& l) {
  std::int64_t low = l.log_start.value();
  for (const raft::replica_state& s : l.replica_states) {
    if (s.in_sync) low = std::min(low, s.log_start.value());
  }
  return low;
}

// How long the controller waits for its log to apply what another broker asked, and how long
// a broker waits for one answer of the controller (a little more: the answer must travel).
constexpr std::chrono::milliseconds kServeTimeout{5'000};
constexpr std::chrono::milliseconds kCallTimeoutMax{6'000};
constexpr std::chrono::milliseconds kRetryBackoffMin{20};
constexpr std::chrono::milliseconds kRetryBackoffMax{500};

// Worth asking again (the controller moved, is electing, or could not be reached in time);
// anything else is the controller's answer to the request itself.
bool retriable(const std::error_code& ec) {
  if (ec == protocol::errc::not_controller || ec == protocol::errc::request_timed_out ||
      ec == protocol::errc::leader_not_available) {
    return true;
  }
  // A connection's own errors (refused, reset, unreachable: the controller restarting or gone)
  // come in the system's categories; the controller's answers in ours.
  return ec.category() != protocol::protocol_category() &&
         ec.category() != broker::broker_category() &&
         ec.category() != controller::controller_category();
}

std::vector<raft::node_id> node_ids(const std::vector<std::int32_t>& ids) {
  std::vector<raft::node_id> out;
  out.reserve(ids.size());
  for (std::int32_t id : ids)
    out.emplace_back(id);
  return out;
}

}  // namespace

cluster_node::cluster_node(asio::io_context& io, cluster_options options, topic_manager& topics,
                           cluster_listener listener)
    : io_(io),
      options_(std::move(options)),
      topics_(topics),
      listener_(std::move(listener)),
      flush_waits_(options_.partition_options.log.flush.mode ==
                   eventstore::flush_policy::kind::always),
      replicas_(io, {.self = raft::node_id{options_.self}, .tick_interval = options_.tick_interval},
                [this](const raft::group_id& g, raft::message m) {
                  stamp_log_start(g, m);
                  links_->send({.group = g, .message = std::move(m)});
                }),
      gossip_timer_(io) {
  call_options_.cluster_id = options_.cluster_id;
  call_options_.self = raft::node_id{options_.self};
  peer::cluster_map peers;
  std::vector<raft::node_id> members;
  for (const controller::cluster_member& m : options_.members.members()) {
    peers.emplace(raft::node_id{m.node_id}, peer::peer_address{m.address.host, m.address.port});
    members.push_back(raft::node_id{m.node_id});
  }
  peer::peer_link_options link_options;
  link_options.cluster_id = options_.cluster_id;
  link_options.self = raft::node_id{options_.self};
  links_ = std::make_unique<peer::peer_links>(io.get_executor(), peers, link_options);
  receiver_ = std::make_unique<peer::replicate_receiver>(
      peer::replicate_receiver::options{.cluster_id = options_.cluster_id,
                                        .self = raft::node_id{options_.self},
                                        .members = members},
      [this](peer::group_message&& m) { on_peer_message(std::move(m)); },
      [this](raft::node_id from, raft::partition_leadership&& l) {
        last_heard_ms_[from.value()] = now_ms();
        leaders_.update(from, l, now_ms());
      });
}

cluster_node::~cluster_node() {
  stop();
  compaction_thread_.join();  // before the partitions it compacts are closed
  *alive_ = false;
  controller_.reset();
  for (auto& [key, h] : hosted_) {
    h.log->set_replicator(nullptr);
    replicas_.remove(key);
  }
  flush_threads_.join();
}

std::int64_t cluster_node::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

result<void> cluster_node::start() {
  const std::string dir = (std::filesystem::path(options_.data_dir) / "controller" /
                           std::string(raft::controller_topic))
                              .string();
  CAIRN_TRY(
      controller_,
      controller_group::open(
          io_, dir, options_.partition_options,
          options_.joining ? std::vector<std::int32_t>{} : options_.members.node_ids(), replicas_,
          flush_waits_ ? controller_group::flush_runner(
                             [this](std::shared_ptr<broker::partition> log, std::int64_t end,
                                    std::function<void(bool)> done) {
                               flush(std::move(log), end, std::move(done));
                             })
                       : controller_group::flush_runner(),
          [this](const controller::state_change& change) { on_controller_change(change); }));
  // The partitions on disk serve at once (their assignment is in topic.json); the controller's
  // log, once committed, confirms them or removes those deleted while this broker was down.
  for (const topic_config& config : topics_.list()) {
    for (std::int32_t p = 0; p < config.partitions; ++p) {
      if (!topics_.hosts(config, p)) continue;
      CAIRN_TRY(open_replica(config, p));
    }
  }
  links_->start();
  replicas_.start();
  running_ = true;
  schedule_gossip();
  return success();
}

void cluster_node::stop() {
  if (!running_) return;
  running_ = false;
  gossip_timer_.cancel();
  replicas_.stop();
  links_->stop();
}

result<void> cluster_node::close() {
  compaction_thread_.join();  // the broker closes the partitions next
  if (!controller_) return success();
  return controller_->close();
}

replication::replica::hooks cluster_node::hooks_for(const std::shared_ptr<broker::partition>& log,
                                                    const std::string& topic,
                                                    std::int32_t partition) {
  replication::replica::hooks h;
  if (flush_waits_) {
    h.flush = [this, log](std::int64_t end, std::function<void(bool)> done) {
      flush(log, end, std::move(done));
    };
  }
  // set_high_watermark calls the partition's on_commit, which wakes the fetches and produce
  // requests waiting on it.
  h.committed = [this, log, group = raft::group_id{topic, partition}](std::int64_t end) {
    log->set_high_watermark(end);
    follow_leader_log_start(group);  // a log start announced beyond the last commit end
  };
  h.changed = [this, topic, partition,
               leading = std::make_shared<bool>(false)](const replication::election_state& s) {
    spdlog::info("{}/{}: {} in term {} (leader {})", topic, partition, raft::to_string(s.role),
                 s.term, s.leader);
    const bool now_leading = s.role == raft::role::leader;
    if (now_leading != *leading) {
      *leading = now_leading;
      if (listener_.leadership_changed) listener_.leadership_changed(topic, partition, now_leading);
    }
    {
      std::lock_guard lock(view_mu_);
      live_leaders_[{topic, partition}] = {.leader = s.leader, .term = s.term};
    }
    // Produce requests waiting for a commit re-check whether this broker still leads.
    if (listener_.partition_changed) listener_.partition_changed(topic, partition);
    schedule_publish();  // Metadata and DescribeCluster name the new leader without a gossip wait
  };
  return h;
}

void cluster_node::flush(std::shared_ptr<broker::partition> log, std::int64_t end,
                         std::function<void(bool)> done) {
  asio::post(flush_threads_, [this, log = std::move(log), end, done = std::move(done),
                              alive = std::weak_ptr<bool>(alive_)]() mutable {
    const bool ok = static_cast<bool>(log->flush_to(end));
    if (!ok) spdlog::critical("flushing {} to {} failed", log->log().dir(), end);
    if (alive.expired()) return;
    asio::post(io_, [done = std::move(done), ok, alive] {
      if (!alive.expired()) done(ok);
    });
  });
}

result<void> cluster_node::open_replica(const topic_config& config, std::int32_t partition) {
  const raft::group_id group{config.name, partition};
  if (hosted_.contains(group)) return success();
  CAIRN_TRY(auto log, topics_.get(config.name, partition));
  const std::vector<raft::node_id> replicas =
      node_ids(config.replicas.at(static_cast<std::size_t>(partition)));
  raftlog::partition_raft_log_options log_options;
  log_options.bootstrap.voters = replicas;
  std::sort(log_options.bootstrap.voters.begin(), log_options.bootstrap.voters.end());
  CAIRN_TRY(auto raft_log, raftlog::partition_raft_log::open(*log, log_options));
  const raft::hard_state hs = raft_log->hard_state();
  hosted h{.log = log,
           .replicator = std::make_unique<partition_replicator>(replicas_, group),
           .replicas = replicas,
           .raft_log = raft_log.get()};
  log->set_replicator(h.replicator.get());
  replicas_.add(group, std::move(raft_log), hs, hooks_for(log, config.name, partition));
  const bool preferred = h.replicas.front() == raft::node_id{options_.self};
  hosted_.emplace(group, std::move(h));
  if (preferred && hs.term.value() == 0) replicas_.find(group)->campaign_now();  // a new group
  return success();
}

void cluster_node::close_replica(const std::string& topic, std::int32_t partition) {
  const raft::group_id group{topic, partition};
  auto it = hosted_.find(group);
  if (it == hosted_.end()) return;
  {
    std::lock_guard lock(view_mu_);
    live_leaders_.erase(group);
  }
  it->second.log->set_replicator(nullptr);
  replicas_.remove(group);
  hosted_.erase(it);
}

void cluster_node::on_controller_change(const controller::state_change& change) {
  for (const controller::partition_change& removed : change.removed) {
    close_replica(removed.topic, removed.partition);
    leaders_.remove_topic(removed.topic);
  }
  std::set<std::string> dropped;
  for (const controller::partition_change& removed : change.removed) {
    if (dropped.insert(removed.topic).second && topics_.describe(removed.topic)) {
      if (auto gone = topics_.remove(removed.topic); !gone) {
        spdlog::error("deleting topic {}: {}", removed.topic, gone.error().message());
      }
    }
  }
  for (const std::string& name : change.altered) {
    const controller::topic_record* record = controller_->state().topic(name);
    if (record == nullptr) continue;
    topic_config config = record->config;
    config.replicas = record->assignment;
    auto done = topics_.describe(name) ? topics_.alter(config) : topics_.create(config);
    if (!done) spdlog::error("altering topic {}: {}", name, done.error().message());
  }
  for (const controller::partition_change& created : change.created) {
    const controller::topic_record* record = controller_->state().topic(created.topic);
    if (record == nullptr) continue;
    topic_config config = record->config;
    config.replicas = record->assignment;
    if (!topics_.describe(config.name)) {
      // Every broker writes topic.json, even one that hosts none of the partitions: listing
      // and describing need no controller round trip.
      if (auto made = topics_.create(config); !made) {
        spdlog::error("creating topic {}: {}", config.name, made.error().message());
        continue;
      }
    }
    if (!created.involves(options_.self)) continue;
    if (auto opened = open_replica(config, created.partition); !opened) {
      spdlog::error("{}/{}: cannot open the replica: {}", config.name, created.partition,
                    opened.error().message());
    }
  }
  // A client that altered a topic reads it back (DescribeConfigs, Metadata) as soon as its
  // request returns, which is once this broker applied the change: publish it now, not at the
  // next gossip.
  if (!change.altered.empty() && controller_ && running_) publish_view(now_ms());
}

std::optional<std::int64_t> cluster_node::leading_term(std::string_view topic,
                                                       std::int32_t partition) {
  replication::replica* r = replicas_.find({std::string(topic), partition});
  if (r == nullptr || !r->is_leader()) return std::nullopt;
  return r->term().value();
}

std::optional<std::int64_t> cluster_node::term_at(std::string_view topic, std::int32_t partition,
                                                  std::int64_t offset) {
  replication::replica* r = replicas_.find({std::string(topic), partition});
  if (r == nullptr) return std::nullopt;
  const raft::log& log = r->log();
  if (offset < log.start_offset().value() || offset >= log.end_offset().value()) {
    return std::nullopt;
  }
  return log.term_at(raft::log_offset{offset}).value();
}

controller_group::command_builder cluster_node::create_command(topic_config config) const {
  return [config = std::move(config), brokers = options_.members.node_ids()](
             const controller::controller_state& state) -> result<controller::command> {
    controller::create_topic c{.config = config, .assignment = config.replicas};
    if (c.assignment.empty()) {
      CAIRN_TRY(c.assignment, controller::assign_replicas(brokers, config.partitions,
                                                          config.replication_factor, state.load()));
    }
    c.config.replicas.clear();
    return controller::command{std::move(c)};
  };
}

result<void> cluster_node::create_topic(topic_config config, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string name = config.name;
  CAIRN_TRY(controller_->submit(create_command(std::move(config)), timeout));
  // Committed is enough for Kafka, whose producers wait for metadata. Waiting for the leaders
  // here means every replica applied the topic and elected: "create, then produce" works on
  // the first try, on whichever broker the client asks. Without leaders in time (replicas down)
  // the topic still exists, and its partitions answer leader_not_available until elected.
  const auto leaders_by =
      std::min(deadline, std::chrono::steady_clock::now() + options_.leader_wait);
  std::unique_lock lock(view_mu_);
  const bool led = view_changed_.wait_until(lock, leaders_by, [&] {
    auto topic = view_.topics.find(name);
    if (topic == view_.topics.end()) return false;
    for (std::int32_t p = 0; p < topic->second.partitions; ++p) {
      const auto l = leadership_locked({name, p});
      if (!l || !l->has_leader()) return false;
      // In sync means the replica opened the partition, so its broker knows the topic.
      for (raft::node_id replica : l->replicas) {
        if (alive_in_view(replica.value()) && !std::ranges::count(l->isr, replica)) {
          return false;
        }
      }
    }
    return true;
  });
  if (!led) spdlog::info("created topic {}; not all of its partitions have a leader yet", name);
  return success();
}

result<void> cluster_node::delete_topic(const std::string& name,
                                        std::chrono::milliseconds timeout) {
  CAIRN_TRY(controller_->submit(
      [name](const controller::controller_state&) -> result<controller::command> {
        return controller::command{controller::delete_topic{.name = name}};
      },
      timeout));
  return success();
}

result<controller::alter_topic> cluster_node::alter_command(
    const controller::topic_record& current, const topic_change& change,
    const controller::load_map& load) const {
  topic_config base = current.config;
  base.replicas = current.assignment;
  CAIRN_TRY(topic_config next, change(base));
  controller::alter_topic c{
      .config = next, .assignment = next.replicas, .if_version = current.version};
  const auto have = static_cast<std::int32_t>(c.assignment.size());
  if (have == base.partitions && next.partitions > have) {
    // Added partitions without replicas given: placed as a create places them.
    CAIRN_TRY(auto more,
              controller::assign_replicas(options_.members.node_ids(), next.partitions - have,
                                          next.replication_factor, load));
    c.assignment.insert(c.assignment.end(), more.begin(), more.end());
  }
  c.config.replicas.clear();
  return c;
}

std::optional<controller::topic_record> cluster_node::view_record(
    std::string_view name, controller::load_map& load) const {
  std::lock_guard lock(view_mu_);
  load.clear();
  for (const auto& [topic, config] : view_.topics) {
    for (const auto& replicas : config.replicas) {
      for (std::size_t i = 0; i < replicas.size(); ++i) {
        auto& l = load[replicas[i]];
        ++l.replicas;
        if (i == 0) ++l.leaders;
      }
    }
  }
  auto it = view_.topics.find(name);
  auto version = view_.topic_versions.find(name);
  if (it == view_.topics.end() || version == view_.topic_versions.end()) return std::nullopt;
  controller::topic_record record{.config = it->second,
                                  .assignment = it->second.replicas,
                                  .created_offset = -1,
                                  .version = version->second};
  record.config.replicas.clear();
  return record;
}

result<cluster_node::forwarded_alter> cluster_node::forward_alter(
    std::int32_t to, const controller::alter_topic& command, std::chrono::milliseconds timeout) {
  const controller::cluster_member* member = options_.members.find(to);
  if (member == nullptr) return protocol::errc::not_controller;
  const std::string text = controller::encode(controller::command{command});
  CAIRN_TRY(auto answer,
            peer::call_peer(
                {member->address.host, member->address.port}, raft::node_id{to}, call_options_,
                [&](protocol::wire::Request::Builder r) {
                  auto a = r.initAlterTopic();
                  a.setClusterId(options_.cluster_id);
                  a.setFromNode(options_.self);
                  a.setCommand(text);
                },
                timeout));
  auto root = answer.root();
  if (root.getErrorCode() != protocol::wire::ErrorCode::NONE) {
    spdlog::info("alter of {} forwarded to controller {}: {}", command.config.name, to,
                 root.getErrorMessage().cStr());
    return protocol::from_wire(root.getErrorCode());
  }
  if (root.which() != protocol::wire::Response::ALTER_TOPIC) return protocol::errc::invalid_request;
  auto out = root.getAlterTopic();
  if (out.which() == protocol::wire::AlterTopicResponse::APPLIED) {
    return forwarded_alter{.applied_end = out.getApplied(), .stale = std::nullopt};
  }
  if (out.which() == protocol::wire::AlterTopicResponse::STALE) {
    auto stale = out.getStale();
    auto record = controller::decode_topic_record(std::string_view(stale.cStr(), stale.size()));
    if (!record || record.value().config.name != command.config.name) {
      return protocol::errc::invalid_request;
    }
    return forwarded_alter{.applied_end = -1, .stale = std::move(record).value()};
  }
  return protocol::errc::invalid_request;
}

result<void> cluster_node::alter_topic(const std::string& name, topic_change change,
                                       std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  // At the controller, the change is computed from its own state as the command is proposed.
  auto at_controller =
      [this, name,
       change](const controller::controller_state& state) -> result<controller::command> {
    const controller::topic_record* record = state.topic(name);
    if (record == nullptr) return broker::errc::unknown_topic;
    CAIRN_TRY(auto c, alter_command(*record, change, state.load()));
    return controller::command{std::move(c)};
  };
  std::optional<controller::topic_record> newer;  // a stale answer's record: newer than the view
  std::error_code last = protocol::errc::request_timed_out;
  auto backoff = kRetryBackoffMin;
  int stale = 0;
  // Bounded: each pass either returns, counts a stale attempt, or waits out a backoff before
  // the deadline.
  while (stale < kAlterAttemptsMax) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) break;
    const std::int32_t at = controller_->controller_id();
    std::error_code failed = protocol::errc::not_controller;  // none known yet
    if (at == options_.self) {
      auto done = controller_->submit(at_controller, left);
      if (done) return success();
      failed = done.error();
    } else if (at > 0) {
      controller::load_map load;
      std::optional<controller::topic_record> base = view_record(name, load);
      if (newer && (!base || newer->version > base->version)) base = newer;
      if (!base) return broker::errc::unknown_topic;
      CAIRN_TRY(auto command, alter_command(*base, change, load));
      auto asked = forward_alter(at, command, std::min(left, kCallTimeoutMax));
      if (asked && !asked.value().stale) {
        // Applied at the controller; read back through this broker once it applied it too.
        if (!controller_->wait_applied(asked.value().applied_end, deadline)) {
          spdlog::info("altered topic {}; this broker has not applied it yet", name);
        }
        return success();
      }
      if (asked) {
        newer = std::move(asked.value().stale);
        failed = controller::errc::stale_topic_version;
      } else {
        failed = asked.error();
      }
    }
    if (failed == controller::errc::stale_topic_version) {
      ++stale;  // computed again at once, from the newer version
      continue;
    }
    if (!retriable(failed)) return failed;
    last = failed;
    std::this_thread::sleep_for(std::min(backoff, left));
    backoff = std::min(backoff * 2, kRetryBackoffMax);
  }
  if (stale >= kAlterAttemptsMax) {
    spdlog::warn("topic {} changed under {} alters in a row: giving up", name, stale);
    return protocol::errc::request_timed_out;
  }
  return last;
}

result<controller::producer_id_grant> cluster_node::request_block(
    std::int32_t to, std::int64_t count, std::int64_t at_least, std::chrono::milliseconds timeout) {
  if (to == options_.self) {
    auto done = controller_->submit(
        [self = options_.self, count,
         at_least](const controller::controller_state&) -> result<controller::command> {
          return controller::command{controller::allocate_producer_ids{
              .node = self, .count = count, .at_least = at_least}};
        },
        timeout);
    if (!done) return done.error();
    if (!done.value().change.granted) return protocol::errc::internal;
    return *done.value().change.granted;
  }
  const controller::cluster_member* member = options_.members.find(to);
  if (member == nullptr) return protocol::errc::not_controller;
  CAIRN_TRY(auto answer,
            peer::call_peer(
                {member->address.host, member->address.port}, raft::node_id{to}, call_options_,
                [&](protocol::wire::Request::Builder r) {
                  auto a = r.initAllocateProducerIds();
                  a.setClusterId(options_.cluster_id);
                  a.setFromNode(options_.self);
                  a.setCount(count);
                  a.setAtLeast(at_least);
                },
                timeout));
  auto root = answer.root();
  if (root.getErrorCode() != protocol::wire::ErrorCode::NONE) {
    return protocol::from_wire(root.getErrorCode());
  }
  if (root.which() != protocol::wire::Response::ALLOCATE_PRODUCER_IDS) {
    return protocol::errc::invalid_request;
  }
  auto out = root.getAllocateProducerIds();
  return controller::producer_id_grant{
      .node = options_.self, .first = out.getFirstId(), .count = out.getCount()};
}

bool cluster_node::accepts(std::string_view cluster_id, std::int32_t node) const {
  return cluster_id == options_.cluster_id && node != options_.self &&
         options_.members.contains(node);
}

result<controller_service::id_block> cluster_node::grant_producer_ids(std::int32_t node,
                                                                      std::int64_t count,
                                                                      std::int64_t at_least) {
  CAIRN_TRY(auto done, controller_->submit(
                           [node, count, at_least](
                               const controller::controller_state&) -> result<controller::command> {
                             return controller::command{controller::allocate_producer_ids{
                                 .node = node, .count = count, .at_least = at_least}};
                           },
                           kServeTimeout));
  if (!done.change.granted) return protocol::errc::internal;
  spdlog::info("controller: producer ids {}+{} granted to broker {}", done.change.granted->first,
               done.change.granted->count, node);
  return id_block{.first = done.change.granted->first, .count = done.change.granted->count};
}

result<controller_service::alter_outcome> cluster_node::alter_topic_from(std::int32_t node,
                                                                         std::string_view command) {
  auto decoded = controller::decode_command(command);
  if (!decoded) return protocol::errc::invalid_request;
  auto* alter = std::get_if<controller::alter_topic>(&decoded.value());
  if (alter == nullptr || !alter->if_version) return protocol::errc::invalid_request;
  // The topic as the controller has it when the command is proposed: the stale answer.
  auto now = std::make_shared<std::optional<controller::topic_record>>();
  auto done = controller_->submit(
      [this, alter = *alter,
       now](const controller::controller_state& state) -> result<controller::command> {
        const controller::topic_record* record = state.topic(alter.config.name);
        if (record == nullptr) return broker::errc::unknown_topic;
        *now = *record;
        // Added partitions go to brokers of this cluster (the others' replicas are checked).
        for (std::size_t p = record->assignment.size(); p < alter.assignment.size(); ++p) {
          for (std::int32_t id : alter.assignment[p]) {
            if (!options_.members.contains(id)) return broker::errc::invalid_replica_assignment;
          }
        }
        return controller::command{alter};
      },
      kServeTimeout);
  if (done) return alter_outcome{.applied_end = done.value().end, .stale = std::nullopt};
  if (done.error() == controller::errc::stale_topic_version && *now) {
    spdlog::info("controller: alter of {} from broker {} is stale (topic at version {})",
                 alter->config.name, node, (*now)->version);
    return alter_outcome{.applied_end = -1, .stale = controller::encode_topic_record(**now)};
  }
  return done.error();
}

void cluster_node::ensure_internal_topics() {
  if (creating_internal_ || !controller_->is_controller()) return;
  if (controller_->state().topic(kConsumerOffsetsTopic) != nullptr) return;
  creating_internal_ = true;
  topic_config config{.name = std::string(kConsumerOffsetsTopic),
                      .partitions = options_.offsets_partitions,
                      .replication_factor = static_cast<std::int16_t>(
                          std::min<std::size_t>(3, options_.members.size())),
                      .retention_ms = -1,
                      .cleanup = cleanup_policy::compact};
  // Proposed here, on the I/O thread; the completion runs here too. No thread waits for it.
  controller_->propose(create_command(config),
                       [this, name = config.name](result<controller_group::applied> made) {
                         creating_internal_ = false;
                         if (!made && made.error() != broker::errc::topic_already_exists) {
                           spdlog::warn("creating {}: {} (retrying)", name, made.error().message());
                         }
                       });
}

raft::partition_leadership cluster_node::own_leadership(
    const replication::replica& r, const hosted& h,
    const std::vector<raft::node_id>& replicas) const {
  const raft::node_id self{options_.self};
  // The partition's log start (DeleteRecords may have set it inside a batch, above the Raft
  // log's start). A restarted leader's commit end starts at the Raft log's start, below it, until
  // its first commit: the high watermark shown is never below the log start.
  const std::int64_t log_start = h.log->log_start_offset();
  raft::partition_leadership out{.topic = r.group().topic,
                                 .partition = r.group().partition,
                                 .leader = self,
                                 .epoch = r.term(),
                                 .replicas = replicas,
                                 .isr = {self},
                                 .log_start = log_offset{log_start},
                                 .high_watermark = log_offset{std::max(r.commit_end(), log_start)},
                                 .log_end = r.log().end_offset()};
  out.replica_states.push_back({.node = self,
                                .match_end = out.log_end,
                                .lag = 0,
                                .in_sync = true,
                                .log_start = out.log_start});
  for (const raft::follower_status& f : r.followers()) {
    // In sync, as Kafka's replica.lag.time.max.ms: it answered within the last quorum-check
    // period (the minimum election timeout), so it is keeping up rather than stalled or gone.
    const bool in_sync = f.recent_active && !f.learner;
    if (in_sync) out.isr.push_back(f.id);
    auto reported = h.follower_log_starts.find(f.id);
    out.replica_states.push_back(
        {.node = f.id,
         .match_end = f.match_end,
         .lag = out.log_end - f.match_end,
         .in_sync = in_sync,
         .log_start = log_offset{reported == h.follower_log_starts.end() ? -1 : reported->second}});
  }
  std::sort(out.isr.begin(), out.isr.end());
  return out;
}

void cluster_node::on_peer_message(peer::group_message&& m) {
  last_heard_ms_[m.message.from.value()] = now_ms();
  if (const auto* append = std::get_if<raft::append_request>(&m.message.body)) {
    for (const raft::entry& e : append->entries) {
      if (auto checked =
              raftlog::partition_raft_log::check_entry(e, eventstore::kBatchBytesMaxDefault);
          !checked) {
        spdlog::warn(
            "{}/{}: dropped an append from broker {}: entry at {} is not a valid batch "
            "({})",
            m.group.topic, m.group.partition, m.message.from, e.base_offset,
            checked.error().message());
        return;
      }
    }
  }
  replicas_.deliver(m.group, m.message);
  note_log_start(m.group, m.message);  // after the step: the term and leader it establishes
}

// ---- DeleteRecords ------------------------------------------------------------------------------

void cluster_node::stamp_log_start(const raft::group_id& group, raft::message& m) const {
  auto h = hosted_.find(group);
  if (h == hosted_.end()) return;  // the controller's group: no records to delete
  const log_offset start{h->second.log->log_start_offset()};
  if (auto* append = std::get_if<raft::append_request>(&m.body)) {
    append->leader_log_start = start;
  } else if (auto* answer = std::get_if<raft::append_response>(&m.body)) {
    answer->log_start = start;
  }
}

void cluster_node::note_log_start(const raft::group_id& group, const raft::message& m) {
  auto h = hosted_.find(group);
  replication::replica* r = replicas_.find(group);
  if (h == hosted_.end() || r == nullptr || raft::term_of(m.body) != r->term()) return;
  if (const auto* append = std::get_if<raft::append_request>(&m.body)) {
    // From the leader of this replica's term only: a stale leader's start is no one's to follow.
    if (r->is_leader() || r->leader() != m.from) return;
    if (append->leader_log_start.value() <= h->second.leader_log_start) return;
    h->second.leader_log_start = append->leader_log_start.value();
    follow_leader_log_start(group);
  } else if (const auto* answer = std::get_if<raft::append_response>(&m.body)) {
    if (!r->is_leader() || answer->log_start.value() < 0) return;
    std::int64_t& known = h->second.follower_log_starts[m.from];
    if (known == answer->log_start.value()) return;
    known = answer->log_start.value();
    schedule_publish();  // a DeleteRecords may be waiting for it (delete_records)
  }
}

void cluster_node::follow_leader_log_start(const raft::group_id& group) {
  auto h = hosted_.find(group);
  if (h == hosted_.end()) return;
  hosted& here = h->second;
  const std::int64_t target = std::min(here.leader_log_start, here.log->high_watermark());
  if (target <= here.log->log_start_offset()) return;
  if (auto moved = here.raft_log->advance_log_start(target); !moved) {
    spdlog::error("{}/{}: following the leader's log start {}: {}", group.topic, group.partition,
                  target, moved.error().message());
    return;
  }
  spdlog::info("{}/{}: log start moved to {}, following the leader", group.topic, group.partition,
               target);
}

cluster_node::moved_start cluster_node::move_log_start(const raft::group_id& group,
                                                       std::int64_t offset) {
  auto h = hosted_.find(group);
  replication::replica* r = replicas_.find(group);
  if (h == hosted_.end() || r == nullptr || !r->is_leader()) {
    return {.error = protocol::errc::not_leader};
  }
  const std::int64_t high_watermark = h->second.log->high_watermark();
  if (offset == broker::partition::kDeleteToHighWatermark) offset = high_watermark;
  if (offset < 0 || offset > high_watermark) {
    return {.error = eventstore::errc::offset_out_of_range};
  }
  if (auto moved = h->second.raft_log->advance_log_start(offset); !moved) {
    return {.error = moved.error()};
  }
  spdlog::info("{}/{}: DeleteRecords moved the log start to {}", group.topic, group.partition,
               h->second.log->log_start_offset());
  schedule_publish();  // the view the waiting caller reads
  return {.offset = offset, .term = r->term()};
}

delete_records_outcome cluster_node::delete_records(
    const std::string& topic, std::int32_t partition, std::int64_t offset,
    std::chrono::steady_clock::time_point deadline) {
  const raft::group_id group{topic, partition};
  auto done = std::make_shared<std::promise<moved_start>>();
  auto outcome = done->get_future();
  asio::post(io_, [this, group, offset, done] { done->set_value(move_log_start(group, offset)); });
  // The move itself is waited for even past a short deadline (it is one file write and some
  // unlinks on the I/O thread); what the deadline bounds is the wait for the followers.
  if (outcome.wait_until(
          std::max(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1))) !=
      std::future_status::ready) {
    return {protocol::errc::request_timed_out};
  }
  const moved_start moved = outcome.get();
  if (moved.error) return {moved.error};
  // Kafka's DelayedDeleteRecords: done once the low watermark reaches the offset, answered
  // not_leader once this broker no longer leads in that term, timed out at the deadline.
  std::int64_t low = -1;
  bool leading = true;
  std::unique_lock lock(view_mu_);
  const bool reached = view_changed_.wait_until(lock, deadline, [&] {
    auto l = view_.partitions.find(group);
    if (l == view_.partitions.end() || l->second.leader != raft::node_id{options_.self} ||
        l->second.epoch != moved.term) {
      // A published view may still show the term before; only a later one says it was lost.
      leading = l != view_.partitions.end() && l->second.epoch < moved.term;
      return !leading;
    }
    low = low_watermark(l->second);
    return low >= moved.offset;
  });
  if (!leading) return {protocol::errc::not_leader};
  if (!reached) return {protocol::errc::request_timed_out, low};
  return {{}, low};
}

void cluster_node::run_housekeeping() {
  for (const auto& [key, h] : hosted_) {
    auto config = topics_.describe(key.topic);
    if (!config) continue;
    std::error_code failed;
    if (config.value().cleanup == cleanup_policy::compact) {
      if (!compacting_.insert(key).second) continue;  // the last pass is still at it
      asio::post(compaction_thread_, [this, alive = std::weak_ptr<bool>(alive_), key = key,
                                      log = h.log, retention = config.value().delete_retention_ms] {
        auto done = raftlog::partition_raft_log::compact(*log, retention);
        if (!done) {
          spdlog::error("{}/{}: compaction failed: {}", key.topic, key.partition,
                        done.error().message());
        }
        asio::post(io_, [this, alive, key] {
          if (!alive.expired()) compacting_.erase(key);
        });
      });
      continue;
    } else if (auto done =
                   h.raft_log->apply_retention({.retention_bytes = config.value().retention_bytes,
                                                .retention_ms = config.value().retention_ms});
               !done) {
      failed = done.error();
    }
    if (failed) {
      spdlog::error("{}/{}: housekeeping failed: {}", key.topic, key.partition, failed.message());
    }
  }
}

void cluster_node::balance_leaders(std::int64_t now) {
  for (auto& [key, h] : hosted_) {
    const raft::node_id preferred = h.replicas.front();
    replication::replica* r = replicas_.find(key);
    if (r == nullptr) continue;
    if (preferred == raft::node_id{options_.self}) {
      // A new group's first election is run by its preferred replica as soon as it can win it
      // (its peers may open the group a little later than it did, so it tries every gossip):
      // leaders come in a round trip instead of a randomized timeout and a hand-over after it.
      if (r->term().value() == 0) r->campaign_now();
      continue;
    }
    if (!r->is_leader()) continue;
    if (now - h.transfer_tried_ms < options_.preferred_leader_backoff.count()) continue;
    const std::int64_t end = r->log().end_offset().value();
    for (const raft::follower_status& f : r->followers()) {
      if (f.id != preferred || !f.recent_active || f.match_end.value() < end) continue;
      h.transfer_tried_ms = now;
      if (auto started = r->transfer_leadership(f.id); started) {
        spdlog::info("{}/{}: handing leadership to its preferred replica {}", key.topic,
                     key.partition, preferred);
      }
    }
  }
}

void cluster_node::schedule_gossip() {
  gossip_timer_.expires_after(options_.tick_interval * options_.gossip_every_ticks);
  gossip_timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (ec || alive.expired() || !running_) return;
        on_gossip_tick();
        schedule_gossip();
      });
}

void cluster_node::on_gossip_tick() {
  const std::int64_t now = now_ms();
  std::vector<raft::partition_leadership> mine;
  for (const auto& [key, h] : hosted_) {
    const replication::replica* r = replicas_.find(key);
    if (r == nullptr || !r->is_leader()) continue;
    mine.push_back(own_leadership(*r, h, h.replicas));
    leaders_.update(raft::node_id{options_.self}, mine.back(), now);
  }
  // Sent even when empty: the peers count it as a sign of life.
  links_->gossip(mine);
  leaders_.expire(now, options_.liveness_timeout.count());
  ensure_internal_topics();
  controller_->reconcile_members(options_.members.node_ids());
  balance_leaders(now);
  if (++gossips_ % options_.housekeeping_every_gossips == 0) run_housekeeping();
  publish_view(now);
}

void cluster_node::schedule_publish() {
  if (publish_pending_) return;
  publish_pending_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired() || !running_) return;
    publish_pending_ = false;
    publish_view(now_ms());
  });
}

void cluster_node::publish_view(std::int64_t now) {
  snapshot next;
  next.controller = controller_->controller_id();
  const raft::configuration controllers = controller_->membership();
  for (const controller::cluster_member& m : options_.members.members()) {
    controller::broker_status b{
        .node_id = m.node_id, .host = m.address.host, .port = m.address.port};
    b.in_controller =
        controllers.contains(raft::node_id{m.node_id})     ? controller::controller_role::voter
        : controllers.is_learner(raft::node_id{m.node_id}) ? controller::controller_role::learner
                                                           : controller::controller_role::none;
    if (m.node_id == options_.self) {
      b.alive = true;
      b.last_seen_ms_ago = 0;
    } else if (auto heard = last_heard_ms_.find(m.node_id); heard != last_heard_ms_.end()) {
      b.last_seen_ms_ago = now - heard->second;
      b.alive = b.last_seen_ms_ago <= options_.liveness_timeout.count();
    }
    next.brokers.push_back(std::move(b));
  }
  for (const auto& [name, record] : controller_->state().topics()) {
    topic_config config = record.config;
    config.replicas = record.assignment;
    for (std::int32_t p = 0; p < config.partitions; ++p) {
      const raft::group_id group{name, p};
      raft::partition_leadership l{.topic = name, .partition = p};
      if (const auto* known = leaders_.find(group)) l = *known;
      l.replicas = node_ids(config.replicas.at(static_cast<std::size_t>(p)));
      // A leader here describes itself, fresher than its last gossip. A follower's leader
      // is laid over the view when it is read (leadership_locked).
      const replication::replica* r = replicas_.find(group);
      if (auto h = hosted_.find(group); r != nullptr && r->is_leader() && h != hosted_.end()) {
        l = own_leadership(*r, h->second, l.replicas);
      }
      next.partitions.emplace(group, std::move(l));
    }
    next.topics.emplace(name, std::move(config));
    next.topic_versions.emplace(name, record.version);
  }
  {
    std::lock_guard lock(view_mu_);
    view_ = std::move(next);
  }
  view_changed_.notify_all();
}

bool cluster_node::alive_in_view(std::int32_t broker) const {
  return std::ranges::any_of(view_.brokers, [broker](const controller::broker_status& b) {
    return b.node_id == broker && b.alive;
  });
}

std::vector<controller::broker_status> cluster_node::brokers() const {
  std::lock_guard lock(view_mu_);
  return view_.brokers;
}

std::int32_t cluster_node::controller_id() const {
  return controller_ ? controller_->controller_id() : -1;
}

std::vector<topic_config> cluster_node::topics() const {
  std::lock_guard lock(view_mu_);
  std::vector<topic_config> out;
  for (const auto& [name, config] : view_.topics)
    out.push_back(config);
  return out;
}

std::optional<topic_config> cluster_node::topic(std::string_view name) const {
  std::lock_guard lock(view_mu_);
  auto it = view_.topics.find(name);
  if (it == view_.topics.end()) return std::nullopt;
  return it->second;
}

std::optional<raft::partition_leadership> cluster_node::partition(std::string_view topic,
                                                                  std::int32_t partition) const {
  std::lock_guard lock(view_mu_);
  return leadership_locked({std::string(topic), partition});
}

std::optional<raft::partition_leadership> cluster_node::leadership_locked(
    const raft::group_id& group) const {
  auto it = view_.partitions.find(group);
  if (it == view_.partitions.end()) return std::nullopt;
  raft::partition_leadership l = it->second;
  if (auto live = live_leaders_.find(group);
      live != live_leaders_.end() && live->second.term > l.epoch) {
    l.leader = live->second.leader;  // newer than the view (no_node: electing)
    l.epoch = live->second.term;
  }
  return l;
}

}  // namespace cairn::broker::cluster
