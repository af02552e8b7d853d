// assign_replicas: where a new topic's replicas go, and which one is each partition's
// preferred leader (the first replica). Pure and deterministic: the controller leader computes
// it once and writes the result into the create_topic command, so brokers never recompute it.
#pragma once

#include <cstdint>
#include <vector>

#include "broker/controller/commands.h"
#include "broker/controller/controller_state.h"

namespace cairn::broker::controller {

// `brokers`: the node ids to place on (any order; duplicates are ignored). `current_load`: the
// replicas and preferred leaders each broker already has (controller_state::load(); brokers
// missing from it have none, entries of other brokers are ignored).
//
// Balance, Kafka-style in outcome (rotating start, shifted followers), computed from the load
// rather than from a random start: each partition takes the `replication_factor` brokers with
// the fewest replicas, ties broken in ring order from just after the last broker that received
// one, so consecutive partitions walk round the ring; its leader is the one among them with
// the fewest preferred leaderships. The ring's stride changes with every round of leaders, so a
// broker's followers differ from round to round and a failed broker's leaderships spread.
// Guarantees: never two replicas of a partition on one broker; replica counts per broker that
// differed by at most one still do; with one replication factor throughout (from an empty or
// evenly loaded cluster), leader counts differ by at most one as well (checked by the unit test
// for up to 12 brokers and every factor). Mixing replication factors keeps the replica
// guarantee; leaders may then drift by a few (a later preferred-leader rebalance evens them).
//
// Errors: protocol::errc::invalid_partitions (outside 1..kPartitionsMax),
// invalid_replication_factor (outside 1..number of brokers).
result<topic_assignment> assign_replicas(const std::vector<std::int32_t>& brokers,
                                         std::int32_t partitions, std::int16_t replication_factor,
                                         const load_map& current_load);

}  // namespace cairn::broker::controller
