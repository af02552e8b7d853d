// What the config APIs' answers share: each resource's outcome (error code, message, type and
// name; DescribeConfigs follows it with the configs), and the whole answer of the two alters
// (AlterConfigs, IncrementalAlterConfigs), which differ only in how they edit a config.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/config_resources.h"

namespace cairn::broker::kafka {

// error_code, error_message (null when there is no error), resource_type, resource_name.
inline void write_resource_outcome(writer& w, const kafka_error& e, std::int8_t type,
                                   std::string_view name) {
  w.int16(value_of(e.code));
  w.nullable_string(e.code == error_code::none ? std::nullopt
                                               : std::optional<std::string_view>(e.message));
  w.int8(type);
  w.string(name);
}

// throttle_time_ms, then each resource's outcome: `alter(const config_resource<Entries>&) ->
// kafka_error` makes (or, validate_only, tries) the change.
template <class Entries, class Alter>
response answer_alters(const request& r, const std::vector<config_resource<Entries>>& resources,
                       Alter alter) {
  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.array_length(resources.size());
  for (const config_resource<Entries>& res : resources) {
    write_resource_outcome(w, alter(res), res.type, res.name);
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
