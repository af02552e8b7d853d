// Reading Cap'n Proto fields of untrusted events into plain values.
#pragma once

#include <capnp/blob.h>

#include <string>

namespace samples::contracts {

inline std::string text_of(capnp::Text::Reader r) {
  return std::string(r.cStr(), r.size());
}

}  // namespace samples::contracts
