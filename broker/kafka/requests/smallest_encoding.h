// The smallest encoding of a field in a reader's encoding (classic or flexible), for the
// `min_element_bytes` reader::array_length checks a count against: an array of N elements that
// cannot fit in what the frame still holds fails before anything is allocated for it.
#pragma once

#include <cstddef>

#include "broker/kafka/codec/reader.h"

namespace cairn::broker::kafka {

// An empty STRING: a compact one is one byte, a classic one two.
inline std::size_t min_string_bytes(const reader& in) {
  return in.flexible() ? 1 : 2;
}
// An empty BYTES: one byte compact, four classic.
inline std::size_t min_bytes_bytes(const reader& in) {
  return in.flexible() ? 1 : 4;
}
// A struct's tagged-field section: one byte in a flexible message, none in a classic one.
inline std::size_t min_tagged_bytes(const reader& in) {
  return in.flexible() ? 1 : 0;
}

}  // namespace cairn::broker::kafka
