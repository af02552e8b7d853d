// The resources array of the config APIs (DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs): [resources: type int8, name, entries, tags], the entries being each
// API's own (the config keys asked for, or the configs to set).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "broker/kafka/codec/reader.h"

namespace cairn::broker::kafka {

template <class Entries>
struct config_resource {
  std::int8_t type = 0;  // 2: a topic, 4: a broker
  std::string name;
  Entries entries;
};

// `read_entries(reader&) -> Entries` reads one resource's entries array (whose smallest encoding
// is one byte compact, two or four classic). Every resource begun is kept; the request fails as a
// whole when one does not decode, as those APIs close the connection on a bad body.
template <class Entries, class ReadEntries>
std::vector<config_resource<Entries>> read_config_resources(reader& in, ReadEntries read_entries) {
  std::vector<config_resource<Entries>> resources;
  // Smallest resource: type (1), name (1-2), an empty or null entries array (1-4), tags.
  const std::int32_t n = in.array_length(in.flexible() ? 4 : 7);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    config_resource<Entries> res;
    res.type = in.int8();
    res.name = in.string();
    res.entries = read_entries(in);
    in.tagged_fields();
    resources.push_back(std::move(res));
  }
  return resources;
}

}  // namespace cairn::broker::kafka
