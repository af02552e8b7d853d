// AlterConfigs (33) request: for each resource, its whole new config set.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/config_resources.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct alter_configs_request {
  // Each resource's configs, name and value (null: the default).
  using configs = std::vector<std::pair<std::string, std::optional<std::string>>>;

  std::vector<config_resource<configs>> resources;
  bool validate_only = false;
};

decoded<alter_configs_request> decode_alter_configs(const request& r);

}  // namespace cairn::broker::kafka
