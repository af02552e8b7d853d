// Catch2 prints Raft's strong types and optionals by value in failed expansions.
#pragma once

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "cairn/base/strong_type.h"

namespace Catch {

template <class T, class Tag>
struct StringMaker<cairn::strong_type<T, Tag>> {
  static std::string convert(cairn::strong_type<T, Tag> v) { return std::to_string(v.value()); }
};

template <class T, class Tag>
struct StringMaker<std::optional<cairn::strong_type<T, Tag>>> {
  static std::string convert(const std::optional<cairn::strong_type<T, Tag>>& v) {
    return v ? std::to_string(v->value()) : "none";
  }
};

}  // namespace Catch
