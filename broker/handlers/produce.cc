// Produce: each partition's batch goes to its partition's replicate() seam.
#include "broker/handlers/handlers.h"
#include "broker/handlers/wire_errors.h"

namespace cairn::broker {

protocol::frame handle_produce(handler_context& ctx, std::uint64_t correlation_id,
                               wire::ProduceRequest::Reader request) {
  acks a = request.getAcks() == wire::Acks::NONE     ? acks::none
           : request.getAcks() == wire::Acks::LEADER ? acks::leader
                                                     : acks::all;
  protocol::frame_writer w;
  auto topics =
      w.init_response(correlation_id).initProduce().initTopics(request.getTopics().size());
  unsigned t = 0;
  for (auto topic : request.getTopics()) {
    auto topic_out = topics[t++];
    topic_out.setName(topic.getName());
    auto parts = topic_out.initPartitions(topic.getPartitions().size());
    std::string_view name(topic.getName().cStr(), topic.getName().size());
    unsigned i = 0;
    for (auto part : topic.getPartitions()) {
      auto out = parts[i++];
      out.setPartition(part.getPartition());
      out.setBaseOffset(-1);
      out.setLogAppendTimeMs(-1);
      auto target = ctx.topics.get(name, part.getPartition());
      if (!target) {
        auto e = to_wire_error(target.error());
        out.setErrorCode(protocol::to_wire(e.code));
        out.setErrorMessage(e.message);
        continue;
      }
      auto records = part.getRecords();
      // The leader assigns offsets by stamping baseOffset into the batch, and the batch bytes
      // live in this request's frame, which the broker owns: writing them in place saves a copy
      // of every produced byte. Nothing reads the frame's capnp structure through these bytes.
      std::span<char> batch(const_cast<char*>(reinterpret_cast<const char*>(records.begin())),
                            records.size());
      auto produced = target.value()->produce(batch, a);
      out.setLogStartOffset(target.value()->log_start_offset());
      if (!produced) {
        auto e = to_wire_error(produced.error());
        out.setErrorCode(protocol::to_wire(e.code));
        out.setErrorMessage(e.message);
        continue;
      }
      out.setBaseOffset(produced.value().base_offset);
    }
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
