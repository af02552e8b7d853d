// cairn group list | describe GROUP [--format table|json] | delete GROUP
//            | reset-offsets GROUP --topic T (--to-earliest|--to-latest|--to-offset
//            N|--to-timestamp MS)
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>

#include "cairn/admin.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

std::string or_dash(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : "-";
}

void print_table(const group_description& d) {
  std::printf("group %s  state %s  protocol %s  generation %d  members %zu\n", d.group_id.c_str(),
              d.state.c_str(), d.protocol_name.empty() ? "-" : d.protocol_name.c_str(),
              d.generation, d.members.size());
  std::printf("%-24s %-9s %-14s %-14s %-8s %s\n", "TOPIC", "PARTITION", "CURRENT-OFFSET",
              "LOG-END-OFFSET", "LAG", "MEMBER");
  for (const auto& p : d.partitions) {
    std::optional<std::int64_t> end;
    if (p.log_end_offset >= 0) end = p.log_end_offset;
    std::printf("%-24s %-9d %-14s %-14s %-8s %s\n", p.partition.topic.c_str(),
                p.partition.partition, or_dash(p.committed).c_str(), or_dash(end).c_str(),
                or_dash(p.lag).c_str(), p.member_id.empty() ? "-" : p.member_id.c_str());
  }
}

boost::json::value optional_json(const std::optional<std::int64_t>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

void print_json(const group_description& d) {
  boost::json::object o;
  o["group"] = d.group_id;
  o["state"] = d.state;
  o["protocol_type"] = d.protocol_type;
  o["protocol"] = d.protocol_name;
  o["generation"] = d.generation;
  o["leader"] = d.leader;
  boost::json::array members;
  for (const auto& m : d.members) {
    boost::json::object jm;
    jm["member_id"] = m.member_id;
    jm["instance_id"] = m.group_instance_id ? boost::json::value(*m.group_instance_id)
                                            : boost::json::value(nullptr);
    jm["client_id"] = m.client_id;
    jm["client_host"] = m.client_host;
    boost::json::array assignment;
    for (const auto& tp : m.assignment)
      assignment.push_back(boost::json::object{{"topic", tp.topic}, {"partition", tp.partition}});
    jm["assignment"] = std::move(assignment);
    members.push_back(std::move(jm));
  }
  o["members"] = std::move(members);
  boost::json::array partitions;
  for (const auto& p : d.partitions) {
    boost::json::object jp;
    jp["topic"] = p.partition.topic;
    jp["partition"] = p.partition.partition;
    jp["current_offset"] = optional_json(p.committed);
    jp["log_end_offset"] =
        p.log_end_offset >= 0 ? boost::json::value(p.log_end_offset) : boost::json::value(nullptr);
    jp["lag"] = optional_json(p.lag);
    jp["member"] =
        p.member_id.empty() ? boost::json::value(nullptr) : boost::json::value(p.member_id);
    partitions.push_back(std::move(jp));
  }
  o["partitions"] = std::move(partitions);
  std::printf("%s\n", boost::json::serialize(o).c_str());
}

// The group errors a user can act on get a hint beyond the protocol's message.
void report_group(const std::string& what, const std::string& group, const std::error_code& ec) {
  report(what + " " + group, ec);
  if (ec == protocol::errc::non_empty_group) {
    std::fprintf(stderr,
                 "cairn: group %s has active members (see `cairn group describe %s`): stop its "
                 "consumers, wait for them to leave, then try again\n",
                 group.c_str(), group.c_str());
  }
}

int reset_offsets(admin& adm, const std::string& group, const args& a) {
  auto topic = a.get("--topic");
  if (!topic) {
    std::fprintf(stderr, "cairn group reset-offsets: --topic T is required\n");
    return kExitUsage;
  }
  std::vector<offset_target> targets;
  if (a.flag("--to-earliest")) targets.push_back(offset_target::earliest());
  if (a.flag("--to-latest")) targets.push_back(offset_target::latest());
  if (auto n = a.get("--to-offset")) {
    auto v = parse_int(*n);
    if (!v || *v < 0) {
      std::fprintf(stderr, "cairn group reset-offsets: --to-offset wants an offset >= 0\n");
      return kExitUsage;
    }
    targets.push_back(offset_target::at_offset(*v));
  }
  if (auto ms = a.get("--to-timestamp")) {
    auto v = parse_int(*ms);
    if (!v || *v < 0) {
      std::fprintf(stderr, "cairn group reset-offsets: --to-timestamp wants milliseconds\n");
      return kExitUsage;
    }
    targets.push_back(offset_target::at_timestamp(*v));
  }
  if (targets.size() != 1) {
    std::fprintf(stderr,
                 "cairn group reset-offsets: give one of --to-earliest, --to-latest, "
                 "--to-offset N, --to-timestamp MS\n");
    return kExitUsage;
  }
  auto reset = adm.reset_offsets(group, *topic, targets.front());
  if (!reset) {
    report_group("reset offsets of group", group, reset.error());
    return kExitFailed;
  }
  std::printf("%-24s %-9s %s\n", "TOPIC", "PARTITION", "NEW-OFFSET");
  for (const auto& [tp, offset] : reset.value()) {
    std::printf("%-24s %-9d %lld\n", tp.topic.c_str(), tp.partition,
                static_cast<long long>(offset));
  }
  return kExitOk;
}

}  // namespace

int group_command(client& c, const std::vector<std::string>& words) {
  args a(words, {"--format", "--topic", "--to-offset", "--to-timestamp"});
  if (!a.error().empty() || a.positional().empty()) {
    std::fprintf(
        stderr, "cairn group: %s\n",
        a.error().empty() ? "list, describe, delete or reset-offsets?" : a.error().c_str());
    return kExitUsage;
  }
  admin adm(c);
  const std::string& verb = a.positional()[0];
  if (verb == "list") {
    auto groups = adm.list_groups();
    if (!groups) {
      report("list groups", groups.error());
      return kExitFailed;
    }
    for (const auto& g : groups.value())
      std::printf("%s\t%s\n", g.group_id.c_str(), g.state.c_str());
    return kExitOk;
  }
  if (verb != "describe" && verb != "delete" && verb != "reset-offsets") {
    std::fprintf(stderr, "cairn group: unknown '%s' (list, describe, delete, reset-offsets)\n",
                 verb.c_str());
    return kExitUsage;
  }
  if (a.positional().size() != 2) {
    std::fprintf(stderr, "cairn group %s: which group?\n", verb.c_str());
    return kExitUsage;
  }
  const std::string& group = a.positional()[1];
  if (verb == "describe") {
    std::string format = a.get("--format").value_or("table");
    if (format != "table" && format != "json") {
      std::fprintf(stderr, "cairn group describe: --format wants table or json\n");
      return kExitUsage;
    }
    auto d = adm.describe_group(group);
    if (!d) {
      report_group("describe group", group, d.error());
      return kExitFailed;
    }
    if (format == "json") {
      print_json(d.value());
    } else {
      print_table(d.value());
    }
    return kExitOk;
  }
  if (verb == "delete") {
    if (auto deleted = adm.delete_group(group); !deleted) {
      report_group("delete group", group, deleted.error());
      return kExitFailed;
    }
    std::fprintf(stderr, "deleted group %s\n", group.c_str());
    return kExitOk;
  }
  return reset_offsets(adm, group, a);
}

}  // namespace cairn::cli
