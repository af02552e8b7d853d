// Metadata (3): brokers (their Kafka addresses), the cluster and controller ids, and topics with
// their ids, partitions, leaders, leader epochs (Raft terms), replicas and in-sync sets.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-12. allow_auto_topic_creation is not honoured (Cairn creates topics only when
// asked): an unknown topic is UNKNOWN_TOPIC_OR_PARTITION. Internal topics are listed with
// is_internal. Topics asked for by id (v12) resolve; before v12 a request by id is refused.
response handle_metadata(services& s, const request& r);

}  // namespace cairn::broker::kafka
