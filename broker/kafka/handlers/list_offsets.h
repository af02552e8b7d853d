// ListOffsets (2), v1-7: the log start (-2), the high watermark (-1), the first offset at or
// after a time, and the record with the largest timestamp (-3, v7), through the core's
// lookup_offset (broker/handlers/list_offsets.h), the native handler's too.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

response handle_list_offsets(services& s, const request& r);

}  // namespace cairn::broker::kafka
