// overloaded{lambdas...}: one visitor from several lambdas, for std::visit over events.
#pragma once

namespace samples::payment {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace samples::payment
