// broker_config: the command line of cairn-broker (defaults as in DESIGN.md "Ports and processes").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "broker/controller/cluster_map.h"
#include "broker/net/tls_settings.h"
#include "cairn/base/result.h"
#include "eventstore/log/flush_policy.h"

namespace cairn::broker {

struct broker_config {
  std::string data_dir;
  host_port listen{"127.0.0.1", 7070};  // where to bind
  // What Metadata returns and peers dial: the map's entry of this node in cluster mode (listen
  // may then bind 0.0.0.0 or another port), `listen` standalone (its port 0 replaced by the
  // bound one at start).
  host_port advertised{"127.0.0.1", 7070};
  bool advertise_given = false;  // --advertise: keep `advertised` as given, even with port 0 bound
  host_port http{"127.0.0.1", 7071};
  // The Kafka front end: where it binds (nullopt: --kafka-listen none, no Kafka listener), and
  // what Metadata tells Kafka clients (nullopt: the bound address, its port 0 replaced).
  std::optional<host_port> kafka_listen = host_port{"127.0.0.1", 9092};
  std::optional<host_port> kafka_advertised;
  // --kafka-brokers, cluster mode: every broker's Kafka address as Metadata and FindCoordinator
  // name it (this node's entry is what it advertises). Without it, a broker's Kafka address is
  // its --cluster host with this broker's own Kafka port (every broker on the same port).
  std::optional<controller::cluster_map> kafka_brokers;
  eventstore::flush_policy flush = eventstore::flush_policy::never();
  std::string log_level = "info";
  std::int32_t node_id = 1;
  // --cluster: every broker of the cluster (static membership). Standalone (no --cluster): a
  // one-broker map of this node at `listen`, and `standalone` stays true.
  bool standalone = true;
  controller::cluster_map cluster = controller::cluster_map::standalone(1, listen);
  // --join: a broker added to a running cluster. Its controller log starts with no voters, so it
  // never campaigns; the controller adds it as a learner, then promotes it.
  bool join = false;
  std::size_t worker_threads = 4;
  // Consumer groups (Kafka's offsets.topic.num.partitions, group.initial.rebalance.delay.ms,
  // group.min/max.session.timeout.ms).
  std::int32_t offsets_partitions = 8;
  std::int32_t group_initial_rebalance_delay_ms = 3'000;
  std::int32_t group_min_session_timeout_ms = 6'000;
  std::int32_t group_max_session_timeout_ms = 1'800'000;
  // Producer ids a broker takes at a time (Kafka's fixed 1000): from its own file standalone,
  // granted by the controller in a cluster. Small values make tests cross blocks quickly.
  std::int64_t producer_id_block_size = 1'000;
  // --tls-cert and --tls-key: TLS (1.2, 1.3) on the native and Kafka listeners; nullopt:
  // plaintext. Standalone only until inter-broker TLS exists (peers dial the native port).
  std::optional<tls_settings> tls;
};

// Parses argv. Returns nullopt after printing --help; an error (already printed, with what to
// do) for bad arguments.
result<std::optional<broker_config>> parse_command_line(int argc, char** argv);

}  // namespace cairn::broker
