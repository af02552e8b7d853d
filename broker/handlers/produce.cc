// Produce: each partition's batch is appended, then committed through the partition's
// replication seam (single node: flushed per policy), then answered.
#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"

namespace cairn::broker {

produce_plan append_produce(handler_context& ctx, std::span<const produce_input> inputs) {
  produce_plan plan;
  plan.entries.reserve(inputs.size());
  for (const produce_input& in : inputs) {
    produce_entry& entry = plan.entries.emplace_back();
    entry.topic = std::string(in.topic);
    entry.partition_id = in.partition;
    if (is_internal_topic(in.topic)) {
      // Only the broker writes its own topics: a client's record there could corrupt them.
      entry.error = protocol::errc::invalid_request;
      continue;
    }
    auto target = ctx.topics.get(in.topic, in.partition);
    if (!target) {
      entry.error = target.error();
      continue;
    }
    auto appended = target.value()->append(in.records);
    entry.log_start_offset = target.value()->log_start_offset();
    if (!appended) {
      entry.error = appended.error();
      continue;
    }
    entry.target = std::move(target).value();
    entry.produced = appended.value();
  }
  return plan;
}

produce_plan append_produce(handler_context& ctx, wire::ProduceRequest::Reader request) {
  std::vector<produce_input> inputs;
  for (auto topic : request.getTopics()) {
    std::string_view name(topic.getName().cStr(), topic.getName().size());
    for (auto part : topic.getPartitions()) {
      auto records = part.getRecords();
      // The leader assigns offsets by stamping baseOffset into the batch, and the batch bytes
      // live in this request's frame, which the broker owns: writing them in place saves a copy
      // of every produced byte. Nothing reads the frame's capnp structure through these bytes.
      std::span<char> batch(const_cast<char*>(reinterpret_cast<const char*>(records.begin())),
                            records.size());
      inputs.push_back({name, part.getPartition(), batch});
    }
  }
  return append_produce(ctx, inputs);
}

void commit_produce_entry(produce_entry& entry) {
  if (!entry.target) return;
  if (auto committed = entry.target->commit(entry.produced.end_offset()); !committed) {
    entry.error = committed.error();
  }
}

protocol::frame answer_produce(handler_context& ctx, std::uint64_t correlation_id,
                               wire::ProduceRequest::Reader request, const produce_plan& plan) {
  protocol::frame_writer w;
  auto topics =
      w.init_response(correlation_id).initProduce().initTopics(request.getTopics().size());
  std::size_t next = 0;
  unsigned t = 0;
  for (auto topic : request.getTopics()) {
    auto topic_out = topics[t++];
    topic_out.setName(topic.getName());
    auto parts = topic_out.initPartitions(topic.getPartitions().size());
    unsigned i = 0;
    for (auto part : topic.getPartitions()) {
      auto out = parts[i++];
      const produce_entry& entry = plan.entries.at(next++);
      out.setPartition(part.getPartition());
      out.setBaseOffset(-1);
      out.setLogAppendTimeMs(-1);
      out.setLogStartOffset(entry.log_start_offset);
      if (entry.error) {
        set_wire_error(out, entry.error);
        if (entry.error == protocol::errc::not_leader) {
          // The client goes straight to the leader instead of asking for metadata first.
          out.setCurrentLeader(
              known_leader(ctx, std::string_view(topic.getName().cStr(), topic.getName().size()),
                           part.getPartition()));
        }
        continue;
      }
      out.setBaseOffset(entry.produced.base_offset);
      out.setLogAppendTimeMs(entry.produced.log_append_time_ms);
    }
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_produce(handler_context& ctx, std::uint64_t correlation_id,
                               wire::ProduceRequest::Reader request) {
  produce_plan plan = append_produce(ctx, request);
  for (produce_entry& entry : plan.entries)
    commit_produce_entry(entry);
  return answer_produce(ctx, correlation_id, request, plan);
}

}  // namespace cairn::broker
