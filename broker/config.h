// broker_config: the command line of cairn-broker (defaults as in DESIGN.md "Ports and processes").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "eventstore/base/result.h"
#include "eventstore/log/flush_policy.h"

namespace cairn::broker {

struct host_port {
  std::string host;
  std::uint16_t port = 0;
};

struct broker_config {
  std::string data_dir;
  host_port listen{"127.0.0.1", 7070};
  host_port http{"127.0.0.1", 7071};
  eventstore::flush_policy flush = eventstore::flush_policy::never();
  std::string log_level = "info";
  std::int32_t node_id = 1;
  std::size_t worker_threads = 4;
  // Consumer groups (Kafka's offsets.topic.num.partitions, group.initial.rebalance.delay.ms,
  // group.min/max.session.timeout.ms).
  std::int32_t offsets_partitions = 8;
  std::int32_t group_initial_rebalance_delay_ms = 3'000;
  std::int32_t group_min_session_timeout_ms = 6'000;
  std::int32_t group_max_session_timeout_ms = 1'800'000;
};

// Parses "HOST:PORT" (port 0..65535; "[::1]:7070" for IPv6).
result<host_port> parse_host_port(std::string_view text);

// Parses argv. Returns nullopt after printing --help; an error (already printed, with what to
// do) for bad arguments.
result<std::optional<broker_config>> parse_command_line(int argc, char** argv);

}  // namespace cairn::broker
