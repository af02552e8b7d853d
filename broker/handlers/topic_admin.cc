#include "broker/handlers/topic_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

#include "broker/errc.h"
#include "protocol/wire_errc.h"

namespace cairn::broker {
namespace {

using P = protocol::errc;

admin_error refuse(std::error_code code, std::string message = {}) {
  return {code, std::move(message)};
}

// The partition's state as this broker, alone, knows it: it leads every partition it has.
partition_report own_partition(const handler_context& ctx, const partition& p, std::int32_t id,
                               bool with_replica_states) {
  partition_report out{.partition = id,
                       .known = true,
                       .leader = ctx.self.node_id,
                       .leader_epoch = 0,  // no elections alone: batches carry epoch 0
                       .replicas = {ctx.self.node_id},
                       .isr = {ctx.self.node_id},
                       .log_start_offset = p.log_start_offset(),
                       .high_watermark = p.high_watermark(),
                       .log_end_offset = p.log_end_offset()};
  if (with_replica_states) {
    out.replica_states.push_back({.node = raft::node_id{ctx.self.node_id},
                                  .match_end = log_offset{p.log_end_offset()},
                                  .lag = 0,
                                  .in_sync = true});
  }
  return out;
}

std::vector<std::int32_t> ids_of(const std::vector<raft::node_id>& ids) {
  std::vector<std::int32_t> out;
  out.reserve(ids.size());
  for (raft::node_id id : ids)
    out.push_back(id.value());
  return out;
}

// Cluster mode: what the cluster view knows (the controller's assignment, the leadership
// table). No leader known yet reads as leader_not_available, which clients retry.
partition_report partition_from_view(const handler_context& ctx, std::string_view topic,
                                     std::int32_t id, bool with_replica_states) {
  partition_report out{.partition = id};
  auto state = ctx.cluster->partition(topic, id);
  if (!state || !state->has_leader()) {
    out.error = refuse(P::leader_not_available,
                       "the partition has no leader right now (an election is running): retry");
  }
  if (!state) return out;
  const raft::partition_leadership& s = *state;
  out.known = true;
  if (s.has_leader()) out.leader = s.leader.value();
  out.leader_epoch = raft::kafka_leader_epoch(s.epoch);
  out.replicas = ids_of(s.replicas);
  out.isr = ids_of(s.isr);
  out.log_start_offset = s.log_start.value();
  out.high_watermark = s.high_watermark.value();
  out.log_end_offset = s.log_end.value();
  if (with_replica_states) out.replica_states = s.replica_states;
  return out;
}

// One list of distinct, known brokers per partition, all of one size. `brokers`: the node ids
// that exist.
admin_error check_assignment(const std::vector<std::vector<std::int32_t>>& assignment,
                             const std::set<std::int32_t>& brokers) {
  for (std::size_t p = 0; p < assignment.size(); ++p) {
    const auto& replicas = assignment[p];
    if (replicas.empty() || replicas.size() != assignment.front().size()) {
      return refuse(errc::invalid_replica_assignment,
                    "every partition needs the same number of replicas, at least one");
    }
    for (std::size_t i = 0; i < replicas.size(); ++i) {
      if (!brokers.contains(replicas[i])) {
        return refuse(errc::invalid_replica_assignment,
                      fmt::format("partition {} names broker {}, which is not in the cluster", p,
                                  replicas[i]));
      }
      if (std::find(replicas.begin(), replicas.begin() + static_cast<std::ptrdiff_t>(i),
                    replicas[i]) != replicas.begin() + static_cast<std::ptrdiff_t>(i)) {
        return refuse(errc::invalid_replica_assignment,
                      fmt::format("partition {} names broker {} twice", p, replicas[i]));
      }
    }
  }
  return {};
}

std::set<std::int32_t> broker_ids(const handler_context& ctx) {
  std::set<std::int32_t> out;
  for (const auto& b : cluster_brokers(ctx))
    out.insert(b.node_id);
  return out;
}

std::int32_t broker_count(const handler_context& ctx) {
  return ctx.admin != nullptr ? ctx.admin->broker_count() : 1;
}

}  // namespace

std::vector<controller::broker_status> cluster_brokers(const handler_context& ctx) {
  // Every broker of the map, alive or not, as Kafka's metadata lists registered brokers:
  // clients learn addresses here and find out about liveness by connecting.
  if (ctx.cluster != nullptr) return ctx.cluster->brokers();
  // Alone, this broker is the cluster and its controller, and it is alive by answering.
  return {{.node_id = ctx.self.node_id,
           .host = ctx.self.host,
           .port = ctx.self.port,
           .alive = true,
           .last_seen_ms_ago = 0,
           .in_controller = controller::controller_role::voter}};
}

std::int32_t controller_id(const handler_context& ctx) {
  return ctx.cluster != nullptr ? ctx.cluster->controller_id() : ctx.self.node_id;
}

std::vector<topic_config> known_topics(const handler_context& ctx) {
  return ctx.cluster != nullptr ? ctx.cluster->topics() : ctx.topics.list();
}

result<topic_config> describe_topic(const handler_context& ctx, std::string_view name) {
  if (ctx.cluster == nullptr) return ctx.topics.describe(name);
  auto config = ctx.cluster->topic(name);
  if (!config) return errc::unknown_topic;
  return std::move(*config);
}

result<topic_config> describe_topic(const handler_context& ctx, const topic_id& id) {
  if (is_nil(id)) return errc::unknown_topic;
  for (topic_config& c : known_topics(ctx)) {
    if (c.id == id) return std::move(c);
  }
  return errc::unknown_topic;
}

std::vector<partition_report> describe_partitions(const handler_context& ctx,
                                                  const topic_config& config,
                                                  bool with_replica_states) {
  std::vector<partition_report> out;
  out.reserve(static_cast<std::size_t>(config.partitions));
  for (std::int32_t id = 0; id < config.partitions; ++id) {
    if (ctx.cluster != nullptr) {
      out.push_back(partition_from_view(ctx, config.name, id, with_replica_states));
      continue;
    }
    auto p = ctx.topics.get(config.name, id);
    if (!p) {
      out.push_back({.partition = id, .error = refuse(p.error())});
      continue;
    }
    out.push_back(own_partition(ctx, *p.value(), id, with_replica_states));
  }
  return out;
}

create_topic_outcome create_topic(handler_context& ctx, create_topic_request request) {
  topic_config config = std::move(request.settings);
  config.replicas.clear();
  config.id = {};
  auto fail = [&](std::error_code code, std::string message = {}) {
    return create_topic_outcome{refuse(code, std::move(message)), config};
  };
  if (is_internal_topic(config.name)) {
    return fail(P::invalid_request,
                "names starting with \"__\" are reserved for the broker's own topics");
  }
  const std::int32_t brokers = broker_count(ctx);
  if (!request.assignment.empty()) {
    // Kafka's rule: a manual assignment replaces the counts, which must then be -1.
    if (request.partitions != -1 || request.replication_factor != -1) {
      return fail(P::invalid_request,
                  "give either partitions and a replication factor or an assignment, not both");
    }
    if (request.assignment.size() > static_cast<std::size_t>(kPartitionsMax)) {
      return fail(P::invalid_partitions, fmt::format("partitions must be 1..{}", kPartitionsMax));
    }
    if (auto bad = check_assignment(request.assignment, broker_ids(ctx))) {
      return {std::move(bad), config};
    }
    config.partitions = static_cast<std::int32_t>(request.assignment.size());
    config.replication_factor = static_cast<std::int16_t>(request.assignment.front().size());
    // Standalone, the one possible placement is this broker: nothing to keep.
    if (ctx.admin != nullptr) config.replicas = request.assignment;
  } else {
    config.partitions = request.partitions == -1 ? 1 : request.partitions;
    // Cluster default: three replicas (survives one broker lost), fewer on a smaller cluster.
    config.replication_factor = request.replication_factor != -1 ? request.replication_factor
                                : ctx.admin != nullptr
                                    ? static_cast<std::int16_t>(std::min(3, brokers))
                                    : std::int16_t{1};
  }
  // Name the field that is wrong, as Kafka's distinct error codes do.
  if (config.partitions < 1 || config.partitions > kPartitionsMax) {
    return fail(P::invalid_partitions, fmt::format("partitions must be 1..{}", kPartitionsMax));
  }
  if (config.replication_factor < 1 || config.replication_factor > brokers) {
    return fail(P::invalid_replication_factor,
                brokers == 1
                    ? std::string("this broker runs alone: the replication factor must be 1")
                    : fmt::format("the replication factor must be 1..{} (the brokers of "
                                  "the cluster)",
                                  brokers));
  }
  if (auto valid = validate(config, brokers); !valid) return fail(valid.error());
  if (request.validate_only) {
    if (describe_topic(ctx, config.name)) return fail(errc::topic_already_exists);
    return {{}, config};
  }
  if (ctx.admin != nullptr) {
    if (auto created = ctx.admin->create_topic(config, request.timeout); !created) {
      return fail(created.error());
    }
  } else if (auto created = ctx.topics.create(config); !created) {
    return fail(created.error());
  }
  // What was made, with the id it was given (in a cluster, by the controller).
  auto made = describe_topic(ctx, config.name);
  if (made) config = std::move(made).value();
  config.replicas.clear();
  return {{}, config};
}

admin_error delete_topic(handler_context& ctx, std::string_view name,
                         std::chrono::milliseconds timeout) {
  if (is_internal_topic(name)) {
    return refuse(P::invalid_request, "the broker's own topics cannot be deleted");
  }
  if (ctx.admin != nullptr) {
    if (auto removed = ctx.admin->delete_topic(std::string(name), timeout); !removed) {
      return refuse(removed.error());
    }
    return {};
  }
  if (auto removed = ctx.topics.remove(name); !removed) return refuse(removed.error());
  return {};
}

admin_error create_partitions(handler_context& ctx, std::string_view name, std::int32_t count,
                              std::vector<std::vector<std::int32_t>> assignment, bool validate_only,
                              std::chrono::milliseconds timeout) {
  if (is_internal_topic(name)) {
    return refuse(P::invalid_request, "the broker's own topics cannot be changed");
  }
  auto current = describe_topic(ctx, name);
  if (!current) return refuse(current.error());
  const std::int32_t have = current.value().partitions;
  if (count <= have || count > kPartitionsMax) {
    return refuse(P::invalid_partitions,
                  count <= have ? fmt::format("the topic has {} partitions already: partitions "
                                              "can be added, never removed",
                                              have)
                                : fmt::format("partitions must be 1..{}", kPartitionsMax));
  }
  if (!assignment.empty()) {
    if (assignment.size() != static_cast<std::size_t>(count - have)) {
      return refuse(errc::invalid_replica_assignment,
                    fmt::format("the assignment names {} partitions; {} are added",
                                assignment.size(), count - have));
    }
    if (auto bad = check_assignment(assignment, broker_ids(ctx))) return bad;
    if (assignment.front().size() != static_cast<std::size_t>(current.value().replication_factor)) {
      return refuse(errc::invalid_replica_assignment,
                    fmt::format("the topic has {} replicas per partition",
                                current.value().replication_factor));
    }
  }
  if (validate_only) return {};
  // Standalone, every partition is this broker's: the assignment was only checked.
  auto grow = [count,
               assignment = ctx.admin != nullptr ? std::move(assignment) : decltype(assignment){}](
                  const topic_config& now) -> result<topic_config> {
    if (count <= now.partitions) return P::invalid_partitions;  // raced with another add
    topic_config next = now;
    next.partitions = count;
    next.replicas.insert(next.replicas.end(), assignment.begin(), assignment.end());
    return next;
  };
  if (ctx.admin != nullptr) {
    if (auto done = ctx.admin->alter_topic(std::string(name), grow, timeout); !done) {
      return refuse(done.error());
    }
    return {};
  }
  if (auto done = ctx.topics.alter(name, grow); !done) return refuse(done.error());
  return {};
}

admin_error alter_topic_config(handler_context& ctx, std::string_view name, topic_edit edit,
                               bool validate_only, std::chrono::milliseconds timeout) {
  // Only settings change here: the partitions, replicas and identity are kept whatever `edit`
  // returns for them.
  auto settings_only = [edit = std::move(edit)](const topic_config& now) -> result<topic_config> {
    CAIRN_TRY(topic_config next, edit(now));
    next.name = now.name;
    next.id = now.id;
    next.partitions = now.partitions;
    next.replication_factor = now.replication_factor;
    next.replicas = now.replicas;
    CAIRN_TRY(validate(next, std::numeric_limits<std::int16_t>::max()));
    return next;
  };
  if (validate_only) {
    auto current = describe_topic(ctx, name);
    if (!current) return refuse(current.error());
    if (auto next = settings_only(current.value()); !next) return refuse(next.error());
    return {};
  }
  if (ctx.admin != nullptr) {
    if (auto done = ctx.admin->alter_topic(std::string(name), settings_only, timeout); !done) {
      return refuse(done.error());
    }
    return {};
  }
  if (auto done = ctx.topics.alter(name, settings_only); !done) return refuse(done.error());
  return {};
}

}  // namespace cairn::broker
