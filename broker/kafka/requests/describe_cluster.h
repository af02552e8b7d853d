// DescribeCluster (60) request: which endpoints to list (v1+: brokers or controllers).
#pragma once

#include <cstdint>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct describe_cluster_request {
  static constexpr std::int8_t kEndpointBrokers = 1;

  bool include_cluster_authorized_operations = false;
  std::int8_t endpoint_type = kEndpointBrokers;  // v1+
};

decoded<describe_cluster_request> decode_describe_cluster(const request& r);

}  // namespace cairn::broker::kafka
