// cluster_map: the static membership of a cluster (`--cluster 1=HOST:PORT,2=HOST:PORT,...`), and
// how a broker's command line resolves into its node id, the address it binds and the address
// it advertises. Pure: no sockets, no name resolution.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"

namespace cairn::broker {

struct host_port {
  std::string host;
  std::uint16_t port = 0;

  bool operator==(const host_port&) const = default;
};

// Parses "HOST:PORT" (port 0..65535; "[::1]:7070" for IPv6; the host may not be empty).
// std::errc::invalid_argument otherwise.
result<host_port> parse_host_port(std::string_view text);
std::string to_string(const host_port& address);

namespace controller {

struct cluster_member {
  std::int32_t node_id = 0;
  host_port address;  // advertised: what metadata returns and what peers dial

  bool operator==(const cluster_member&) const = default;
};

// Ids above 0, unique; the members sorted by id. Never empty.
class cluster_map {
 public:
  // "1=HOST:PORT,2=HOST:PORT": errc::bad_cluster_map for an empty list, an entry without '=',
  // an id that is not a number > 0, a repeated id, a bad or repeated HOST:PORT, or port 0 (a
  // peer must know where to dial). `why`, when given, receives a sentence naming the entry.
  static result<cluster_map> parse(std::string_view text, std::string* why = nullptr);
  // The one-broker cluster of a standalone broker.
  static cluster_map standalone(std::int32_t node_id, host_port address);

  const std::vector<cluster_member>& members() const { return members_; }
  std::vector<std::int32_t> node_ids() const;
  const cluster_member* find(std::int32_t node_id) const;
  bool contains(std::int32_t node_id) const { return find(node_id) != nullptr; }
  std::size_t size() const { return members_.size(); }
  std::string to_string() const;  // the --cluster form, by id

  bool operator==(const cluster_map&) const = default;

 private:
  explicit cluster_map(std::vector<cluster_member> members) : members_(std::move(members)) {}
  std::vector<cluster_member> members_;
};

// What a broker runs as, from --node-id, --cluster and --listen.
struct cluster_settings {
  bool standalone = true;  // no --cluster: a one-broker cluster, exactly as before issue 7
  std::int32_t node_id = 1;
  cluster_map map = cluster_map::standalone(1, {"127.0.0.1", 7070});
  host_port listen;      // where to bind
  host_port advertised;  // what Metadata returns and peers dial (standalone: `listen`, whose
                         // port 0 the broker replaces with the one it got)
};

// `cluster` empty: standalone, listen = `listen` or 127.0.0.1:7070. Otherwise the map must name
// `node_id` (errc::node_not_in_cluster); `listen` defaults to this node's entry, and may differ
// from it (bind 0.0.0.0, or sit behind a proxy), while the entry stays what is advertised.
// `why` receives a sentence that says what to do.
result<cluster_settings> resolve_cluster_settings(std::int32_t node_id, std::string_view cluster,
                                                  std::optional<std::string_view> listen,
                                                  std::string* why = nullptr);

}  // namespace controller
}  // namespace cairn::broker
