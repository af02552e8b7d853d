// cairn-broker: opens the topics under --data-dir, listens, and serves until SIGTERM or SIGINT,
// then stops accepting, closes connections, and closes every partition cleanly.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <optional>

#include "broker/admin/http_server.h"
#include "broker/cluster/cluster_node.h"
#include "broker/config.h"
#include "broker/kafka/server.h"
#include "broker/net/server.h"
#include "broker/net/tls_server_context.h"
#include "broker/partition/producer_id_allocator.h"

namespace asio = boost::asio;
using namespace cairn::broker;

namespace {

// Retention, compaction and interval flushes run this often, on a worker thread.
constexpr auto kHousekeepingInterval = std::chrono::seconds(1);

void schedule_housekeeping(asio::steady_timer& timer, asio::thread_pool& workers,
                           topic_manager& topics, bool& stopping) {
  timer.expires_after(kHousekeepingInterval);
  timer.async_wait([&](const boost::system::error_code& ec) {
    if (ec || stopping) return;
    asio::post(workers, [&topics] {
      if (auto done = topics.run_housekeeping(); !done) {
        spdlog::error("housekeeping failed: {}", done.error().message());
      }
    });
    schedule_housekeeping(timer, workers, topics, stopping);
  });
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("cairn-broker"));
  auto parsed = parse_command_line(argc, argv);
  if (!parsed) return 2;
  if (!parsed.value()) return 0;
  const broker_config config = *parsed.value();
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  // TLS files are read before anything is opened: a bad file stops the broker at once, naming
  // the file.
  std::shared_ptr<tls_server_context> tls;
  if (config.tls) {
    std::string why;
    tls = tls_server_context::open(*config.tls, why);
    if (!tls) {
      spdlog::critical("cannot start TLS: {}", why);
      return 1;
    }
  }

  asio::io_context io;
  asio::thread_pool workers(config.worker_threads);
  partition_waits* waits_ptr = nullptr;
  group_coordinator* groups_ptr = nullptr;
  const bool clustered = !config.standalone;
  topic_manager::options topic_options{.data_dir = config.data_dir};
  topic_options.partition_options.log.flush = config.flush;
  if (clustered) {
    // Every partition is a Raft group: its log is written only through its replica.
    topic_options.partition_options.replicated = true;
    topic_options.brokers = static_cast<std::int32_t>(config.cluster.size());
    topic_options.self = config.node_id;
  }
  auto topics = topic_manager::open(
      topic_options,
      [&waits_ptr, &groups_ptr](const std::string& topic, std::int32_t partition, std::int64_t) {
        if (waits_ptr != nullptr) waits_ptr->notify_commit(topic, partition);
        if (groups_ptr != nullptr && topic == kConsumerOffsetsTopic)
          groups_ptr->on_commit(partition);
      });
  if (!topics) {
    spdlog::critical("cannot open {}: {}", config.data_dir, topics.error().message());
    return 1;
  }

  broker_identity self{
      .node_id = config.node_id, .host = config.advertised.host, .port = config.advertised.port};
  handler_context ctx{*topics.value(), self};
  std::unique_ptr<cluster::cluster_node> cluster;
  if (clustered) {
    cluster::cluster_options cluster_options{.self = config.node_id,
                                             .members = config.cluster,
                                             .data_dir = config.data_dir,
                                             .partition_options = topic_options.partition_options,
                                             .offsets_partitions = config.offsets_partitions,
                                             .joining = config.join};
    cluster::cluster_listener listener{
        .partition_changed =
            [&waits_ptr, &groups_ptr](const std::string& topic, std::int32_t partition) {
              if (waits_ptr != nullptr) waits_ptr->notify_commit(topic, partition);
              if (groups_ptr != nullptr && topic == kConsumerOffsetsTopic) {
                groups_ptr->on_commit(partition);
              }
            },
        .leadership_changed =
            [&groups_ptr](const std::string& topic, std::int32_t partition, bool leading) {
              if (groups_ptr == nullptr || topic != kConsumerOffsetsTopic) return;
              if (leading) {
                groups_ptr->on_leadership_gained(partition);
              } else {
                groups_ptr->on_leadership_lost(partition);
              }
            }};
    cluster = std::make_unique<cluster::cluster_node>(io, cluster_options, *topics.value(),
                                                      std::move(listener));
    ctx.cluster = cluster.get();
    ctx.admin = cluster.get();
    ctx.controller = cluster.get();
  }
  broker_metrics metrics;
  // Destroyed (its last commits finished) before the partitions close below.
  auto flusher = std::make_unique<commit_flusher>();
  coordinator_options group_options{.offsets_partitions = config.offsets_partitions};
  group_options.group.initial_rebalance_delay_ms = config.group_initial_rebalance_delay_ms;
  group_options.group.session_timeout_ms_min = config.group_min_session_timeout_ms;
  group_options.group.session_timeout_ms_max = config.group_max_session_timeout_ms;
  group_coordinator groups(io, *topics.value(), *flusher, group_options);
  // Cluster mode: a registry per __consumer_offsets partition this broker leads, built when the
  // leadership arrives (the controller creates the topic).
  if (clustered) groups.start_clustered(config.offsets_partitions);
  groups_ptr = &groups;
  if (auto loaded = clustered ? cairn::result<void>(cairn::success()) : groups.load(); !loaded) {
    spdlog::critical("cannot load consumer groups from {}: {}", kConsumerOffsetsTopic,
                     loaded.error().message());
    return 1;
  }
  // The commit and fetch waits both front ends share.
  partition_waits waits(io, *flusher);
  broker_server server(io, workers, waits, groups, ctx, metrics);
  admin_http_server http(io, metrics, *topics.value());
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config.listen.host, ec);
  if (ec) {
    spdlog::critical("--listen: '{}' is not an IP address", config.listen.host);
    return 2;
  }
  if (auto listening = server.listen({address, config.listen.port}); !listening) {
    spdlog::critical("cannot listen on {}:{}: {}", config.listen.host, config.listen.port,
                     listening.error().message());
    return 1;
  }
  auto http_address = asio::ip::make_address(config.http.host, ec);
  if (ec) {
    spdlog::critical("--http: '{}' is not an IP address", config.http.host);
    return 2;
  }
  if (auto listening = http.listen({http_address, config.http.port}); !listening) {
    spdlog::critical("cannot listen on {}:{} (http): {}", config.http.host, config.http.port,
                     listening.error().message());
    return 1;
  }
  if (!clustered && !config.advertise_given) self.port = server.local_endpoint().port();

  // The Kafka front end, over the same core.
  // InitProducerId's ids, for both front ends; in a cluster the controller grants the blocks
  // through its log (controller_block_source), so no two brokers ever hand out the same id.
  producer_id_allocator::options id_options{.dir = config.data_dir,
                                            .block_size = config.producer_id_block_size};
  if (clustered) {
    id_options.source =
        cluster::controller_block_source(*cluster, {.block_size = config.producer_id_block_size});
  }
  auto producer_ids = producer_id_allocator::open(std::move(id_options));
  if (!producer_ids) {
    spdlog::critical("cannot open the producer id file in {}: {}", config.data_dir,
                     producer_ids.error().message());
    return 1;
  }
  ctx.producer_ids = producer_ids.value().get();
  kafka::services kafka_services{.core = ctx,
                                 .groups = groups,
                                 .waits = waits,
                                 .producer_ids = *producer_ids.value(),
                                 .io = io,
                                 .workers = workers};
  std::unique_ptr<kafka::kafka_server> kafka_server;
  if (config.kafka_listen) {
    auto kafka_address = asio::ip::make_address(config.kafka_listen->host, ec);
    if (ec) {
      spdlog::critical("--kafka-listen: '{}' is not an IP address", config.kafka_listen->host);
      return 2;
    }
    kafka_server = std::make_unique<kafka::kafka_server>(kafka_services, metrics);
    if (auto listening = kafka_server->listen({kafka_address, config.kafka_listen->port});
        !listening) {
      spdlog::critical("cannot listen on {}:{} (kafka): {}", config.kafka_listen->host,
                       config.kafka_listen->port, listening.error().message());
      return 1;
    }
    host_port bound{config.kafka_listen->host, kafka_server->local_endpoint().port()};
    host_port advertised = config.kafka_advertised.value_or(bound);
    if (config.kafka_brokers) {
      if (const auto* own = config.kafka_brokers->find(config.node_id)) advertised = own->address;
    }
    kafka_services.advertised = {advertised.host, advertised.port};
    if (clustered) {
      // Other brokers' Kafka addresses: the --kafka-brokers entry, else the broker's --cluster
      // host on this broker's Kafka port.
      kafka_services.endpoint_of =
          [&config,
           port = bound.port](std::int32_t node) -> std::optional<kafka::advertised_endpoint> {
        if (config.kafka_brokers) {
          const auto* entry = config.kafka_brokers->find(node);
          if (entry == nullptr) return std::nullopt;
          return kafka::advertised_endpoint{entry->address.host, entry->address.port};
        }
        const auto* member = config.cluster.find(node);
        if (member == nullptr) return std::nullopt;
        return kafka::advertised_endpoint{member->address.host, port};
      };
    }
  }
  if (cluster) {
    server.set_replicate_sink(&cluster->sink());
    waits.set_leadership_probe(
        [&cluster](std::string_view topic, std::int32_t partition) {
          return cluster->leading_term(topic, partition);
        },
        [&cluster](std::string_view topic, std::int32_t partition, std::int64_t offset) {
          return cluster->term_at(topic, partition, offset);
        });
    if (auto started = cluster->start(); !started) {
      spdlog::critical("cannot start cluster membership: {}", started.error().message());
      return 1;
    }
  }
  waits_ptr = &waits;
  server.set_tls(tls);
  if (kafka_server) kafka_server->set_tls(tls);
  server.start();
  if (kafka_server) kafka_server->start();
  http.start();

  bool stopping = false;
  asio::steady_timer housekeeping(io);
  schedule_housekeeping(housekeeping, workers, *topics.value(), stopping);
  // SIGHUP re-reads the TLS files: new connections get the new context, established ones keep
  // theirs; a bad file leaves the old context in use. Without TLS, SIGHUP keeps its default.
  std::optional<asio::signal_set> reload_signal;
  std::function<void()> await_reload;
  if (tls) {
    reload_signal.emplace(io, SIGHUP);
    await_reload = [&] {
      reload_signal->async_wait([&](const boost::system::error_code& error, int) {
        if (error || stopping) return;
        std::string why;
        if (tls->reload(why)) {
          spdlog::info("SIGHUP: TLS certificate, key and CA re-read; new connections use them");
        } else {
          spdlog::error("SIGHUP: TLS files not reloaded, the old ones stay in use: {}", why);
        }
        await_reload();
      });
    };
    await_reload();
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: shutting down", signal);
    stopping = true;
    housekeeping.cancel();
    groups.stop();
    if (cluster) cluster->stop();
    server.stop();
    if (kafka_server) kafka_server->stop();
    if (reload_signal) reload_signal->cancel();
    asio::post(io, [&waits] { waits.stop(); });
    http.stop();
  });

  // The admin port first: "listening on" is the line that says the broker is ready.
  std::printf("http on %s:%u\n", config.http.host.c_str(), http.local_endpoint().port());
  std::printf("listening on %s:%u\n", config.listen.host.c_str(), server.local_endpoint().port());
  if (kafka_server) {
    std::printf("kafka listening on %s:%u\n", config.kafka_listen->host.c_str(),
                kafka_server->local_endpoint().port());
  }
  std::fflush(stdout);
  spdlog::info("cairn-broker node {} serving {} (flush {})", config.node_id, config.data_dir,
               config.flush.to_string());
  io.run();
  workers.join();
  flusher.reset();
  if (cluster) {
    if (auto closed = cluster->close(); !closed) {
      spdlog::error("closing the controller log: {}", closed.error().message());
    }
    cluster.reset();
  }
  if (auto closed = topics.value()->close(); !closed) {
    spdlog::error("closing partitions: {}", closed.error().message());
    return 1;
  }
  spdlog::info("stopped cleanly");
  return 0;
}
