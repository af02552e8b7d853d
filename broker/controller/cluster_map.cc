#include "broker/controller/cluster_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "broker/controller/controller_errc.h"

namespace cairn::broker {

result<host_port> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::make_error_code(std::errc::invalid_argument);
  }
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

std::string to_string(const host_port& address) {
  bool ipv6 = address.host.find(':') != std::string::npos;
  return ipv6 ? fmt::format("[{}]:{}", address.host, address.port)
              : fmt::format("{}:{}", address.host, address.port);
}

namespace controller {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

result<cluster_map> refuse(std::string* why, std::string message, errc code) {
  if (why != nullptr) *why = std::move(message);
  return code;
}

}  // namespace

result<cluster_map> cluster_map::parse(std::string_view text, std::string* why) {
  constexpr const char* kForm = "e.g. --cluster 1=10.0.0.1:7070,2=10.0.0.2:7070,3=10.0.0.3:7070";
  std::vector<cluster_member> members;
  if (trim(text).empty()) {
    return refuse(why,
                  fmt::format("--cluster is empty: list every broker as ID=HOST:PORT, {}", kForm),
                  errc::bad_cluster_map);
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    std::string_view entry = trim(text.substr(start, comma - start));
    start = comma + 1;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) {
      return refuse(
          why, fmt::format("--cluster entry '{}' has no '=': write ID=HOST:PORT, {}", entry, kForm),
          errc::bad_cluster_map);
    }
    std::string_view id_text = trim(entry.substr(0, eq));
    std::int32_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (id_text.empty() || ec != std::errc{} || end != id_text.data() + id_text.size() || id < 1) {
      return refuse(
          why, fmt::format("--cluster entry '{}': the node id must be a number above 0", entry),
          errc::bad_cluster_map);
    }
    auto address = parse_host_port(trim(entry.substr(eq + 1)));
    if (!address || address.value().host.empty()) {
      return refuse(why, fmt::format("--cluster entry '{}': the address must be HOST:PORT", entry),
                    errc::bad_cluster_map);
    }
    if (address.value().port == 0) {
      return refuse(why,
                    fmt::format("--cluster entry '{}': port 0 cannot be dialled by the other "
                                "brokers: give each broker a fixed port",
                                entry),
                    errc::bad_cluster_map);
    }
    for (const auto& m : members) {
      if (m.node_id == id) {
        return refuse(why,
                      fmt::format("--cluster names node {} twice: node ids must be unique", id),
                      errc::bad_cluster_map);
      }
      if (m.address == address.value()) {
        return refuse(why,
                      fmt::format("--cluster gives nodes {} and {} the same address {}: "
                                  "each broker needs its own",
                                  m.node_id, id, broker::to_string(m.address)),
                      errc::bad_cluster_map);
      }
    }
    members.push_back({id, std::move(address).value()});
    if (comma == text.size()) break;
  }
  std::sort(members.begin(), members.end(),
            [](const cluster_member& a, const cluster_member& b) { return a.node_id < b.node_id; });
  return cluster_map(std::move(members));
}

cluster_map cluster_map::standalone(std::int32_t node_id, host_port address) {
  return cluster_map({{node_id, std::move(address)}});
}

std::vector<std::int32_t> cluster_map::node_ids() const {
  std::vector<std::int32_t> ids;
  ids.reserve(members_.size());
  for (const auto& m : members_)
    ids.push_back(m.node_id);
  return ids;
}

const cluster_member* cluster_map::find(std::int32_t node_id) const {
  for (const auto& m : members_) {
    if (m.node_id == node_id) return &m;
  }
  return nullptr;
}

std::string cluster_map::to_string() const {
  std::string out;
  for (const auto& m : members_) {
    if (!out.empty()) out += ',';
    out += fmt::format("{}={}", m.node_id, broker::to_string(m.address));
  }
  return out;
}

result<cluster_settings> resolve_cluster_settings(std::int32_t node_id, std::string_view cluster,
                                                  std::optional<std::string_view> listen,
                                                  std::string* why) {
  auto fail = [&](std::string message, std::error_code code) -> result<cluster_settings> {
    if (why != nullptr) *why = std::move(message);
    return code;
  };
  std::optional<host_port> bind;
  if (listen) {
    auto parsed = parse_host_port(*listen);
    if (!parsed) {
      return fail(fmt::format("--listen wants HOST:PORT, e.g. 127.0.0.1:7070 (got '{}')", *listen),
                  parsed.error());
    }
    bind = std::move(parsed).value();
  }
  cluster_settings s;
  s.node_id = node_id;
  if (cluster.empty()) {
    s.standalone = true;
    s.listen = bind.value_or(host_port{"127.0.0.1", 7070});
    s.advertised = s.listen;
    s.map = cluster_map::standalone(node_id, s.advertised);
    return s;
  }
  if (node_id < 1) {
    return fail(fmt::format("--node-id must be above 0 in a cluster (got {})", node_id),
                errc::node_not_in_cluster);
  }
  std::string map_why;
  auto map = cluster_map::parse(cluster, &map_why);
  if (!map) return fail(map_why, map.error());
  const cluster_member* self = map.value().find(node_id);
  if (self == nullptr) {
    return fail(fmt::format("--node-id {} is not in --cluster {}: give this broker one of the "
                            "ids listed there, or add it to the list (the same on every broker)",
                            node_id, map.value().to_string()),
                errc::node_not_in_cluster);
  }
  s.standalone = false;
  s.advertised = self->address;
  s.listen = bind.value_or(self->address);
  s.map = std::move(map).value();
  return s;
}

}  // namespace controller
}  // namespace cairn::broker
