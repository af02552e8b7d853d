// IncrementalAlterConfigs (44) request: for each resource, the configs to set, delete, append
// to or subtract from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/config_resources.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct incremental_alter_configs_request {
  struct alterable_config {
    std::string name;
    std::int8_t operation = 0;  // 0 set, 1 delete, 2 append, 3 subtract
    std::optional<std::string> value;
  };

  std::vector<config_resource<std::vector<alterable_config>>> resources;
  bool validate_only = false;
};

decoded<incremental_alter_configs_request> decode_incremental_alter_configs(const request& r);

}  // namespace cairn::broker::kafka
