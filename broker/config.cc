#include "broker/config.h"

#include <boost/program_options.hpp>
#include <charconv>
#include <iostream>

#include "broker/errc.h"

namespace cairn::broker {
namespace po = boost::program_options;

result<host_port> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return errc::invalid_topic_config;
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  return host_port{std::string(host), static_cast<std::uint16_t>(port)};
}

result<std::optional<broker_config>> parse_command_line(int argc, char** argv) {
  broker_config config;
  std::string listen = "127.0.0.1:7070", http = "127.0.0.1:7071", flush = "never";
  po::options_description desc("cairn-broker: a Kafka-style commit-log broker with event streams");
  desc.add_options()("help,h", "show this help")(
      "data-dir", po::value(&config.data_dir)->required(), "where topics are stored (required)")(
      "listen", po::value(&listen)->default_value(listen),
      "native protocol HOST:PORT (port 0: any free port)")(
      "http", po::value(&http)->default_value(http), "admin and metrics HOST:PORT")(
      "flush", po::value(&flush)->default_value(flush),
      "when to fdatasync: always | interval:MS | never")(
      "log-level", po::value(&config.log_level)->default_value(config.log_level),
      "trace | debug | info | warn | error")(
      "node-id", po::value(&config.node_id)->default_value(config.node_id), "this broker's id")(
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
      "longest session timeout a member may ask for");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return std::optional<broker_config>{};
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "cairn-broker: " << e.what() << "\n\n" << desc;
    return std::make_error_code(std::errc::invalid_argument);
  }
  auto bad = [&](const std::string& what) -> result<std::optional<broker_config>> {
    std::cerr << "cairn-broker: " << what << "\n";
    return std::make_error_code(std::errc::invalid_argument);
  };
  auto l = parse_host_port(listen);
  if (!l) return bad("--listen wants HOST:PORT, e.g. 127.0.0.1:7070 (got '" + listen + "')");
  auto h = parse_host_port(http);
  if (!h) return bad("--http wants HOST:PORT, e.g. 127.0.0.1:7071 (got '" + http + "')");
  auto f = eventstore::flush_policy::parse(flush);
  if (!f) return bad("--flush wants always, never or interval:MS (got '" + flush + "')");
  if (config.worker_threads < 1 || config.worker_threads > 256)
    return bad("--workers wants 1..256");
  if (config.offsets_partitions < 1 || config.offsets_partitions > 1000)
    return bad("--offsets-partitions wants 1..1000");
  if (config.group_initial_rebalance_delay_ms < 0)
    return bad("--group-initial-rebalance-delay-ms wants 0 or more");
  if (config.group_min_session_timeout_ms < 1 ||
      config.group_max_session_timeout_ms < config.group_min_session_timeout_ms)
    return bad("--group-min-session-timeout-ms wants 1..--group-max-session-timeout-ms");
  config.listen = l.value();
  config.http = h.value();
  config.flush = f.value();
  return std::optional<broker_config>{config};
}

}  // namespace cairn::broker
