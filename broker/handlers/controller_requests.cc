#include "broker/handlers/controller_requests.h"

#include <fmt/format.h>

#include "broker/controller/commands.h"
#include "broker/handlers/per_partition.h"

namespace cairn::broker {
namespace {

// The envelope every controller request carries, checked before anything else is read.
template <class Request>
std::optional<std::string> refuse_envelope(const handler_context& ctx, Request request) {
  if (ctx.controller == nullptr) {
    return std::string("this broker runs standalone (no cluster configured): it has no controller");
  }
  auto cluster = request.getClusterId();
  if (!ctx.controller->accepts(std::string_view(cluster.cStr(), cluster.size()),
                               request.getFromNode())) {
    return fmt::format(
        "a controller request from node {} of cluster '{}', which is not another "
        "broker of this cluster",
        request.getFromNode(), cluster.cStr());
  }
  return std::nullopt;
}

protocol::frame refused(handler_context& ctx, std::uint64_t correlation_id, std::string why) {
  protocol::frame_writer w;
  auto r = w.init_response(correlation_id);
  r.setErrorCode(wire::ErrorCode::INVALID_REQUEST);
  r.setErrorMessage(why);
  r.setRejected();
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace

protocol::frame handle_allocate_producer_ids(handler_context& ctx, std::uint64_t correlation_id,
                                             wire::AllocateProducerIdsRequest::Reader request) {
  if (auto why = refuse_envelope(ctx, request)) return refused(ctx, correlation_id, *why);
  const std::int64_t count = request.getCount();
  const std::int64_t at_least = request.getAtLeast();
  if (count < 1 || count > controller::kProducerIdBlockMax || at_least < 0) {
    return refused(ctx, correlation_id,
                   fmt::format("a block of 1..{} producer ids at or above 0 (asked: {} at {})",
                               controller::kProducerIdBlockMax, count, at_least));
  }
  protocol::frame_writer w;
  auto r = w.init_response(correlation_id);
  auto out = r.initAllocateProducerIds();
  auto granted = ctx.controller->grant_producer_ids(request.getFromNode(), count, at_least);
  if (!granted) {
    set_wire_error(r, granted.error());
  } else {
    out.setFirstId(granted.value().first);
    out.setCount(granted.value().count);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_alter_topic(handler_context& ctx, std::uint64_t correlation_id,
                                   wire::AlterTopicRequest::Reader request) {
  if (auto why = refuse_envelope(ctx, request)) return refused(ctx, correlation_id, *why);
  auto command = request.getCommand();
  if (command.size() > kForwardedCommandBytesMax) {
    return refused(ctx, correlation_id,
                   fmt::format("an alter_topic command of {} bytes (at most {})", command.size(),
                               kForwardedCommandBytesMax));
  }
  protocol::frame_writer w;
  auto r = w.init_response(correlation_id);
  auto out = r.initAlterTopic();
  auto done = ctx.controller->alter_topic_from(request.getFromNode(),
                                               std::string_view(command.cStr(), command.size()));
  if (!done) {
    set_wire_error(r, done.error());
  } else if (done.value().stale) {
    out.setStale(*done.value().stale);
  } else {
    out.setApplied(done.value().applied_end);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
