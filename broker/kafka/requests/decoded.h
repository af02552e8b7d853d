// decoded<T>: what a request decoder returns. Decoding is pure (no broker state, no answer): the
// handler decides what a failure means for its API (INVALID_REQUEST in its error fields, or
// close_for when it has none), and decode_request.h checks the same decoders with no broker.
#pragma once

#include <string>
#include <utility>

#include "broker/kafka/codec/reader.h"

namespace cairn::broker::kafka {

template <class T>
struct decoded {
  // Complete when ok(). Otherwise what was read before the failure: the APIs without a
  // request-level error field answer INVALID_REQUEST in each entry read.
  T request{};
  std::string failure;  // why the body does not decode; empty when it does

  bool ok() const { return failure.empty(); }
};

// The outcome of a decoder that read `value` with `in` (ok or failed).
template <class T>
decoded<T> decoded_from(T value, const reader& in) {
  return decoded<T>{std::move(value), in.failure()};
}

}  // namespace cairn::broker::kafka
