#include "broker/handlers/producer_ids.h"

#include "broker/handlers/per_partition.h"
#include "broker/partition/producer_id_allocator.h"

namespace cairn::broker {

protocol::frame handle_init_producer_id(handler_context& ctx, std::uint64_t correlation_id,
                                        wire::InitProducerIdRequest::Reader request) {
  protocol::frame_writer w;
  auto r = w.init_response(correlation_id);
  if (ctx.producer_ids == nullptr) {
    r.setErrorCode(wire::ErrorCode::UNKNOWN_REQUEST);
    r.setErrorMessage("this broker does not allocate producer ids");
    r.setRejected();
    return finish_response(w, correlation_id, ctx.frame_bytes_max);
  }
  auto out = r.initInitProducerId();
  auto granted = ctx.producer_ids->init(request.getProducerId(), request.getProducerEpoch());
  if (!granted) {
    set_wire_error(r, granted.error());
  } else {
    out.setProducerId(granted.value().producer_id);
    out.setProducerEpoch(granted.value().epoch);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
