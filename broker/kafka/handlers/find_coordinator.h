// FindCoordinator (10): which broker coordinates a consumer group.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-4 (v4: a batch of coordinator_keys). Key type 0 (group) only: this broker on its
// own, in cluster mode the leader of the group's __consumer_offsets partition, at its Kafka
// address (find_group_coordinator, which the native front end answers from too). Transaction
// keys (type 1) answer INVALID_REQUEST: transactions are not served. Runs on the I/O thread.
response handle_find_coordinator(services& s, const request& r);

}  // namespace cairn::broker::kafka
