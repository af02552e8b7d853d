// OffsetFetch (9): a consumer (or an admin tool) reads a group's committed offsets, the same
// ones SDK consumers of the group commit and read.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-8: the named partitions, or every committed one when the topic list is null
// (v2+); v8 asks for several groups at once. A partition with nothing committed answers offset
// -1. require_stable (v7+) needs no wait: there are no transactional offsets. Runs on the I/O
// thread.
response handle_offset_fetch(services& s, const request& r);

}  // namespace cairn::broker::kafka
