// The walk every per-partition request shares: for each requested topic and partition, a
// response entry with the same name and partition id, handed to `fn` with the partition (or the
// error that it does not exist already written into the entry).
#pragma once

#include <memory>
#include <string_view>

#include "broker/handlers/handlers.h"
#include "broker/handlers/wire_errors.h"

namespace cairn::broker {

// Writes `ec` as the entry's errorCode and errorMessage.
template <class Builder>
void set_wire_error(Builder out, const std::error_code& ec) {
  wire_error e = to_wire_error(ec);
  out.setErrorCode(protocol::to_wire(e.code));
  out.setErrorMessage(e.message);
}

// `request_topics`: a List of {name, partitions: List of {partition, ...}}; `response_topics`:
// the response's List builder of the same shape, already sized. fn(partition*, request entry,
// response entry) runs for every entry; the partition is null when it does not exist, and the
// entry then already carries the error.
template <class RequestTopics, class ResponseTopics, class Fn>
void for_each_partition(handler_context& ctx, RequestTopics request_topics,
                        ResponseTopics response_topics, Fn fn) {
  unsigned t = 0;
  for (auto topic : request_topics) {
    auto topic_out = response_topics[t++];
    topic_out.setName(topic.getName());
    auto parts = topic_out.initPartitions(topic.getPartitions().size());
    std::string_view name(topic.getName().cStr(), topic.getName().size());
    unsigned i = 0;
    for (auto part : topic.getPartitions()) {
      auto out = parts[i++];
      out.setPartition(part.getPartition());
      auto target = ctx.topics.get(name, part.getPartition());
      if (!target) set_wire_error(out, target.error());
      fn(target ? target.value().get() : nullptr, part, out);
    }
  }
}

}  // namespace cairn::broker
