// Upcasters for events stored in Cap'n Proto: the old message is read safely (read_capnp: size,
// alignment, traversal and nesting limits; garbage is errc::malformed_event) and handed to the
// upcaster as a typed reader.
//
//   es::add_capnp_upcaster<bank_schema::DepositedV1>(
//       registry, "bank.Deposited.v1", [](bank_schema::DepositedV1::Reader v1) {
//         return es::to_raw_event(deposited{v1.getAmount() * 100, "upcast from v1"});
//       });
//
// The function returns a raw_event (or a result of one): the current event via to_raw_event, or
// an intermediate old one (make_capnp_raw_event) that a further upcaster takes on from.
#pragma once

#include <string>
#include <utility>

#include "cairn/es/capnp_codec.h"
#include "cairn/es/event_registry.h"

namespace cairn::es {

// A raw Cap'n Proto event of type `type` whose root Schema struct fill(Schema::Builder) fills.
template <class Schema, class Fill>
raw_event make_capnp_raw_event(std::string type, Fill&& fill) {
  return {.type = std::move(type),
          .data = {},
          .encoding = event_encoding::capnp,
          .bytes = build_capnp<Schema>(std::forward<Fill>(fill))};
}

// Registers fn(OldSchema::Reader) -> raw_event | result<raw_event> as the upcaster of events
// stored as `old_type` in Cap'n Proto with root OldSchema.
template <class OldSchema, class Registry, class Fn>
void add_capnp_upcaster(Registry& registry, std::string old_type, Fn fn) {
  registry.add_upcaster(std::move(old_type), event_encoding::capnp,
                        [fn = std::move(fn)](raw_event old) -> result<raw_event> {
                          return read_capnp<OldSchema>(old.bytes, fn);
                        });
}

}  // namespace cairn::es
