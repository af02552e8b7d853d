// Errors of the controller's pure parts (cluster map, commands, snapshots, assignment inputs) as
// std::error_code, category "cairn.controller". Topic errors the broker already names
// (unknown_topic, topic_already_exists, invalid_topic_config) keep broker::errc, and the
// assignment's refusals keep protocol::errc (invalid_partitions, invalid_replication_factor),
// so the wire mapping needs nothing new for them.
#pragma once

#include <system_error>

namespace cairn::broker::controller {

enum class errc {
  ok = 0,
  bad_cluster_map,              // --cluster is not "ID=HOST:PORT,..." with unique ids > 0
  node_not_in_cluster,          // --node-id names no entry of --cluster
  malformed_command,            // a controller record that is not a well-formed command
  unsupported_command_version,  // a command written by a newer broker (upgrade this one)
  unknown_command,              // a command type this broker does not know
  invalid_assignment,           // replicas that do not match the topic (count, duplicates, ids)
  malformed_snapshot,           // a controller snapshot that does not parse or is inconsistent
  stale_topic_version,          // an alter computed from a topic version the topic has moved past
  producer_ids_exhausted,       // no block of producer ids is left below 2^63
};

const std::error_category& controller_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), controller_category()};
}

}  // namespace cairn::broker::controller

template <>
struct std::is_error_code_enum<cairn::broker::controller::errc> : std::true_type {};
