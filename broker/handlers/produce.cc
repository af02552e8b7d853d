// Produce: each partition's batch goes to its partition's replicate() seam.
#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"

namespace cairn::broker {

protocol::frame handle_produce(handler_context& ctx, std::uint64_t correlation_id,
                               wire::ProduceRequest::Reader request) {
  acks a = request.getAcks() == wire::Acks::NONE     ? acks::none
           : request.getAcks() == wire::Acks::LEADER ? acks::leader
                                                     : acks::all;
  protocol::frame_writer w;
  auto topics =
      w.init_response(correlation_id).initProduce().initTopics(request.getTopics().size());
  for_each_partition(ctx, request.getTopics(), topics, [&](partition* p, auto part, auto out) {
    out.setBaseOffset(-1);
    out.setLogAppendTimeMs(-1);
    if (p == nullptr) return;
    auto records = part.getRecords();
    // The leader assigns offsets by stamping baseOffset into the batch, and the batch bytes live
    // in this request's frame, which the broker owns: writing them in place saves a copy of
    // every produced byte. Nothing reads the frame's capnp structure through these bytes.
    std::span<char> batch(const_cast<char*>(reinterpret_cast<const char*>(records.begin())),
                          records.size());
    auto produced = p->produce(batch, a);
    out.setLogStartOffset(p->log_start_offset());
    if (!produced) {
      set_wire_error(out, produced.error());
      return;
    }
    out.setBaseOffset(produced.value().base_offset);
  });
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
