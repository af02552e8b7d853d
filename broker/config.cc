#include "broker/config.h"

#include <boost/program_options.hpp>
#include <iostream>

#include "base/command_line.h"
#include "broker/errc.h"

namespace cairn::broker {
namespace po = boost::program_options;

result<std::optional<broker_config>> parse_command_line(int argc, char** argv) {
  broker_config config;
  std::string listen, http = "127.0.0.1:7071", flush = "never", cluster, advertise;
  std::string kafka_listen = "127.0.0.1:9092", kafka_advertise, kafka_brokers;
  tls_settings tls;
  std::string client_auth = "none";
  std::int64_t tls_handshake_timeout_ms = tls.handshake_timeout.count();
  po::options_description desc("cairn-broker: a Kafka-style commit-log broker with event streams");
  desc.add_options()("help,h", "show this help")(
      "data-dir", po::value(&config.data_dir)->required(), "where topics are stored (required)")(
      "listen", po::value(&listen),
      "native protocol HOST:PORT to bind (default 127.0.0.1:7070; port 0: any free port; with "
      "--cluster: this node's entry there)")(
      "advertise", po::value(&advertise),
      "standalone: the native HOST:PORT clients are told to dial (default: the bound address; "
      "with --cluster the map's entry is advertised)")(
      "kafka-listen", po::value(&kafka_listen)->default_value(kafka_listen),
      "Kafka protocol HOST:PORT to bind (port 0: any free port), or none")(
      "kafka-advertise", po::value(&kafka_advertise),
      "the Kafka HOST:PORT Metadata tells clients (default: the bound address)")(
      "kafka-brokers", po::value(&kafka_brokers),
      "with --cluster: every broker's Kafka address, ID=HOST:PORT,... as Metadata names them "
      "(default: each broker's --cluster host with this broker's Kafka port)")(
      "http", po::value(&http)->default_value(http), "admin and metrics HOST:PORT")(
      "flush", po::value(&flush)->default_value(flush),
      "when to fdatasync: always | interval:MS | never")(
      "log-level", po::value(&config.log_level)->default_value(config.log_level),
      "trace | debug | info | warn | error")(
      "node-id", po::value(&config.node_id)->default_value(config.node_id),
      "this broker's id (with --cluster: one of the ids listed there)")(
      "cluster", po::value(&cluster),
      "every broker of the cluster, ID=HOST:PORT,... (the same list on every broker; the "
      "addresses are what clients and peers dial). Without it the broker runs alone")(
      "join", po::bool_switch(&config.join),
      "with --cluster, on a new broker of a running cluster: it waits to be added to the "
      "controller's group instead of starting as one of its voters (docs/replication.md)")(
      "workers", po::value(&config.worker_threads)->default_value(config.worker_threads),
      "threads that run requests against the disk")(
      "offsets-partitions",
      po::value(&config.offsets_partitions)->default_value(config.offsets_partitions),
      "partitions of __consumer_offsets when it is created (fixed afterwards)")(
      "group-initial-rebalance-delay-ms",
      po::value(&config.group_initial_rebalance_delay_ms)
          ->default_value(config.group_initial_rebalance_delay_ms),
      "how long a group's first rebalance waits for more members")(
      "group-min-session-timeout-ms",
      po::value(&config.group_min_session_timeout_ms)
          ->default_value(config.group_min_session_timeout_ms),
      "shortest session timeout a member may ask for")(
      "group-max-session-timeout-ms",
      po::value(&config.group_max_session_timeout_ms)
          ->default_value(config.group_max_session_timeout_ms),
      "longest session timeout a member may ask for")(
      "producer-id-block-size",
      po::value(&config.producer_id_block_size)->default_value(config.producer_id_block_size),
      "producer ids a broker takes at a time (in a cluster: a grant of the controller's)")(
      "tls-cert", po::value(&tls.cert_file),
      "PEM certificate (chain) of this broker: with --tls-key, the native and Kafka listeners "
      "speak TLS 1.2/1.3 only (re-read on SIGHUP)")("tls-key", po::value(&tls.key_file),
                                                    "PEM private key of --tls-cert")(
      "tls-ca", po::value(&tls.ca_file),
      "PEM CA bundle that client certificates are verified against")(
      "tls-client-auth", po::value(&client_auth)->default_value(client_auth),
      "none | requested | required: ask clients for a certificate (verified with --tls-ca)")(
      "tls-handshake-timeout-ms",
      po::value(&tls_handshake_timeout_ms)->default_value(tls_handshake_timeout_ms),
      "a connection that has not finished its TLS handshake by then is closed");
  po::variables_map vm;
  if (auto exit_code = parse_options("cairn-broker", argc, argv, desc, vm)) {
    if (*exit_code == 0) return std::optional<broker_config>{};  // --help
    return std::make_error_code(std::errc::invalid_argument);
  }
  auto bad = [&](const std::string& what) -> result<std::optional<broker_config>> {
    std::cerr << "cairn-broker: " << what << "\n";
    return std::make_error_code(std::errc::invalid_argument);
  };
  std::string why;
  auto settings = controller::resolve_cluster_settings(
      config.node_id, cluster,
      vm.count("listen") ? std::optional<std::string_view>(listen) : std::nullopt, &why);
  if (!settings) return bad(why);
  if (config.join && settings.value().standalone) return bad("--join needs --cluster");
  auto h = parse_host_port(http);
  if (!h) return bad("--http wants HOST:PORT, e.g. 127.0.0.1:7071 (got '" + http + "')");
  auto f = eventstore::flush_policy::parse(flush);
  if (!f) return bad("--flush wants always, never or interval:MS (got '" + flush + "')");
  if (config.worker_threads < 1 || config.worker_threads > 256)
    return bad("--workers wants 1..256");
  if (config.offsets_partitions < 1 || config.offsets_partitions > 1000)
    return bad("--offsets-partitions wants 1..1000");
  if (config.producer_id_block_size < 1 || config.producer_id_block_size > (1 << 20))
    return bad("--producer-id-block-size wants 1..1048576");
  if (config.group_initial_rebalance_delay_ms < 0)
    return bad("--group-initial-rebalance-delay-ms wants 0 or more");
  if (config.group_min_session_timeout_ms < 1 ||
      config.group_max_session_timeout_ms < config.group_min_session_timeout_ms)
    return bad("--group-min-session-timeout-ms wants 1..--group-max-session-timeout-ms");
  if (kafka_listen != "none") {
    auto k = parse_host_port(kafka_listen);
    if (!k) {
      return bad("--kafka-listen wants HOST:PORT, e.g. 127.0.0.1:9092, or none (got '" +
                 kafka_listen + "')");
    }
    config.kafka_listen = k.value();
  } else {
    config.kafka_listen.reset();
  }
  if (vm.count("kafka-advertise")) {
    auto k = parse_host_port(kafka_advertise);
    if (!k || k.value().port == 0) {
      return bad("--kafka-advertise wants HOST:PORT with a port, e.g. kafka.example:9092 (got '" +
                 kafka_advertise + "')");
    }
    config.kafka_advertised = k.value();
  }
  if (vm.count("kafka-brokers")) {
    if (settings.value().standalone) {
      return bad(
          "--kafka-brokers is for a cluster (--cluster); a standalone broker advertises "
          "--kafka-advertise");
    }
    std::string map_why;
    auto brokers = controller::cluster_map::parse(kafka_brokers, &map_why);
    if (!brokers) return bad("--kafka-brokers: " + map_why);
    for (std::int32_t id : settings.value().map.node_ids()) {
      if (!brokers.value().contains(id)) {
        return bad("--kafka-brokers names no Kafka address for broker " + std::to_string(id) +
                   " of --cluster");
      }
    }
    config.kafka_brokers = brokers.value();
  }
  config.listen = settings.value().listen;
  config.advertised = settings.value().advertised;
  if (vm.count("advertise")) {
    if (!settings.value().standalone) {
      return bad(
          "--advertise is for a standalone broker: with --cluster, the map's entry of this "
          "node is what clients and peers dial");
    }
    auto a = parse_host_port(advertise);
    if (!a || a.value().port == 0) {
      return bad("--advertise wants HOST:PORT with a port, e.g. broker.example:7070 (got '" +
                 advertise + "')");
    }
    config.advertised = a.value();
    config.advertise_given = true;
  }
  const bool tls_asked = vm.count("tls-cert") || vm.count("tls-key") || vm.count("tls-ca") ||
                         !vm["tls-client-auth"].defaulted() ||
                         !vm["tls-handshake-timeout-ms"].defaulted();
  if (tls_asked) {
    if (tls.cert_file.empty() || tls.key_file.empty())
      return bad("TLS wants both --tls-cert FILE and --tls-key FILE");
    auto auth = parse_tls_client_auth(client_auth);
    if (!auth) {
      return bad("--tls-client-auth wants none, requested or required (got '" + client_auth + "')");
    }
    tls.client_auth = *auth;
    if (tls.client_auth != tls_client_auth::none && tls.ca_file.empty())
      return bad("--tls-client-auth " + client_auth + " needs --tls-ca FILE to verify with");
    if (tls_handshake_timeout_ms < 1 || tls_handshake_timeout_ms > 600'000)
      return bad("--tls-handshake-timeout-ms wants 1..600000");
    tls.handshake_timeout = std::chrono::milliseconds(tls_handshake_timeout_ms);
    if (!settings.value().standalone) {
      return bad(
          "--tls-cert with --cluster: TLS between brokers is not done yet (peers dial the native "
          "port in plaintext), so a TLS broker runs standalone for now");
    }
    config.tls = tls;
  }
  config.standalone = settings.value().standalone;
  config.cluster = settings.value().map;
  config.http = h.value();
  config.flush = f.value();
  return std::optional<broker_config>{config};
}

}  // namespace cairn::broker
