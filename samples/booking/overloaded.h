// overloaded{lambdas...}: one visitor from several lambdas, for std::visit over event variants.
#pragma once

namespace samples::booking {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace samples::booking
