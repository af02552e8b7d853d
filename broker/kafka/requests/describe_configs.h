// DescribeConfigs (32) request: the resources (topics, brokers) whose configs are asked for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/config_resources.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct describe_configs_request {
  // Each resource's config keys asked for; null: every config.
  std::vector<config_resource<std::optional<std::vector<std::string>>>> resources;
  bool include_synonyms = false;       // v1+
  bool include_documentation = false;  // v3+
};

decoded<describe_configs_request> decode_describe_configs(const request& r);

}  // namespace cairn::broker::kafka
