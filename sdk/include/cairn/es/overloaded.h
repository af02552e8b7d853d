// overloaded{lambdas...}: one visitor made of several lambdas, for std::visit over a command or
// event variant, so decide and evolve read as one case per alternative:
//
//   std::visit(cairn::es::overloaded{[&](const opened& o) { ... },
//                                    [&](const deposited& d) { ... }},
//              event);
//
// Give no catch-all (auto) lambda where every alternative should be handled: then an alternative
// added to the variant without its case is a compile error, not a silent no-op.
#pragma once

namespace cairn::es {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace cairn::es
