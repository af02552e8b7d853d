// The read model of booking-service: ONE cairn::es::projection (data-dir/read-model) fed from
// every partition of bookings.inventory and bookings.bookings, with two databases:
//   availability: item id -> {"item", "capacity", "held", "sold", "available", "priceCents"}
//   bookings:     booking id -> {"id", "status", "item", "units", "accountId", "amountCents",
//                 "reason"?}
// Values are deterministic (fixed field order, no timestamps, nothing from the record but the
// event and its key), so a rebuild from the log gives the same projection::dump() and the same
// checksum (GET /model, --rebuild).
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/client.h"
#include "cairn/es/projection.h"

namespace samples::booking {

inline constexpr int kTopicPartitions = 3;  // of each topic booking-service creates

// The partitions the model is built from, as the broker has them.
cairn::result<std::vector<cairn::topic_partition>> read_model_partitions(cairn::client& client);

// Opens (creating if missing) the model in `dir`, fed from `partitions`.
cairn::result<std::unique_ptr<cairn::es::projection>> open_read_model(
    const std::filesystem::path& dir, std::vector<cairn::topic_partition> partitions);

// One booking as the API shows it; nullopt when the model has not seen it.
cairn::result<std::optional<boost::json::object>> find_booking(const cairn::es::projection& model,
                                                               const std::string& id);
// One item's availability; nullopt when no stock was ever added to it.
cairn::result<std::optional<boost::json::object>> find_availability(
    const cairn::es::projection& model, const std::string& item);
// Every item's availability, in item order. At most `items_max` (a bound on the answer's size).
cairn::result<boost::json::array> all_availability(const cairn::es::projection& model,
                                                   std::size_t items_max = 1'000);

}  // namespace samples::booking
