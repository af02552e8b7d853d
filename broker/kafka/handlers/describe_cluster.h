// DescribeCluster (60), v0-1: the cluster id, the controller, and the brokers with their Kafka
// addresses (services::kafka_endpoint); standalone, this broker alone is all three.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

response handle_describe_cluster(services& s, const request& r);

}  // namespace cairn::broker::kafka
