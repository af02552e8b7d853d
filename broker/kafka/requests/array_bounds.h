// Upper bounds on request arrays beyond what the frame holds. Each stops a request of millions
// of tiny entries (a few bytes each, so they fit in a 100 MiB frame) from making the broker
// build millions of strings and structs before answering it.
#pragma once

#include <cstdint>

namespace cairn::broker::kafka {

// The consumer-group APIs. Each is above what the coordinator accepts (group_config:
// members_max 1,000, protocols_max 32), so the coordinator still answers the precise error.
inline constexpr std::int32_t kGroupIdsMax = 10'000;  // Describe/DeleteGroups, OffsetFetch v8
inline constexpr std::int32_t kMembersMax = 10'000;   // SyncGroup assignments, LeaveGroup
inline constexpr std::int32_t kProtocolsMax = 1'000;  // JoinGroup protocols
inline constexpr std::int32_t kCoordinatorKeysMax = 10'000;  // FindCoordinator v4

// Partitions in one ListOffsets, OffsetForLeaderEpoch or DeleteRecords request, all topics
// together.
inline constexpr std::int32_t kRequestPartitionsMax = 100'000;

}  // namespace cairn::broker::kafka
