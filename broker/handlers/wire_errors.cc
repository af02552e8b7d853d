#include "broker/handlers/wire_errors.h"

#include <spdlog/spdlog.h>

#include "broker/errc.h"
#include "broker/group/group_errc.h"
#include "eventstore/errc.h"

namespace cairn::broker {

wire_error to_wire_error(const std::error_code& ec) {
  using P = protocol::errc;
  if (!ec) return {};
  if (ec.category() == broker_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::out_of_order_sequence:
        return {P::out_of_order_sequence, ec.message()};
      case errc::invalid_producer_epoch:
        return {P::invalid_producer_epoch, ec.message()};
      case errc::invalid_stream_batch:
        return {P::invalid_request, ec.message()};
      case errc::unknown_topic:
        return {P::unknown_topic, ec.message()};
      case errc::unknown_partition:
        return {P::unknown_partition, ec.message()};
      case errc::topic_already_exists:
        return {P::topic_already_exists, ec.message()};
      case errc::invalid_topic_config:
        return {P::invalid_config, ec.message()};
      case errc::invalid_replica_assignment:
      case errc::records_not_deletable:
        return {P::invalid_request, ec.message()};  // the native protocol has no finer code
      case errc::stream_index_unavailable:
        break;
      case errc::ok:
        return {};
    }
  } else if (ec.category() == eventstore::eventstore_category()) {
    using E = eventstore::errc;
    switch (static_cast<E>(ec.value())) {
      case E::batch_too_short:
      case E::batch_length_invalid:
      case E::unsupported_magic:
      case E::crc_mismatch:
      case E::unsupported_compression:
      case E::corrupt_compressed_batch:
      case E::decompressed_batch_too_large:
      case E::record_count_invalid:
      case E::record_malformed:
      case E::offset_delta_invalid:
        return {P::corrupt_batch, ec.message()};
      case E::batch_too_large:
        return {P::record_too_large, ec.message()};
      case E::offset_out_of_range:
        return {P::offset_out_of_range, ec.message()};
      case E::invalid_argument:
      case E::stream_key_too_long:
      case E::key_too_long:
        return {P::invalid_request, ec.message()};
      default:
        break;
    }
  } else if (ec.category() == group::group_category()) {
    using G = group::errc;
    switch (static_cast<G>(ec.value())) {
      case G::ok:
        return {};
      case G::coordinator_not_available:
        return {P::coordinator_not_available, ec.message()};
      case G::not_coordinator:
        return {P::not_coordinator, ec.message()};
      case G::invalid_group_id:
        return {P::invalid_group_id, ec.message()};
      case G::unknown_member_id:
        return {P::unknown_member_id, ec.message()};
      case G::member_id_required:
        return {P::member_id_required, ec.message()};
      case G::illegal_generation:
        return {P::illegal_generation, ec.message()};
      case G::rebalance_in_progress:
        return {P::rebalance_in_progress, ec.message()};
      case G::fenced_instance_id:
        return {P::fenced_instance_id, ec.message()};
      case G::inconsistent_group_protocol:
        return {P::inconsistent_group_protocol, ec.message()};
      case G::invalid_session_timeout:
        return {P::invalid_session_timeout, ec.message()};
      case G::group_max_size_reached:
        return {P::group_max_size_reached, ec.message()};
      case G::offset_metadata_too_large:
        return {P::offset_metadata_too_large, ec.message()};
      case G::non_empty_group:
        return {P::non_empty_group, ec.message()};
      case G::group_id_not_found:
        return {P::group_id_not_found, ec.message()};
      case G::invalid_request:
      case G::invalid_rebalance_timeout:
      case G::protocol_metadata_too_large:
      case G::group_metadata_too_large:
        return {P::invalid_request, ec.message()};
      case G::record_truncated:
      case G::record_malformed:
      case G::unknown_record_version:
        break;  // the coordinator's own storage: internal
    }
  } else if (ec.category() == protocol::protocol_category()) {
    return {static_cast<P>(ec.value()), ec.message()};
  }
  // Disk errors and anything unexpected: the client can only retry; the operator needs the log.
  spdlog::error("request failed: {} ({}:{})", ec.message(), ec.category().name(), ec.value());
  return {P::internal, "internal broker error: " + ec.message()};
}

}  // namespace cairn::broker
