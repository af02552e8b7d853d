// CAIRN_ASSERT: an always-on invariant check for programmer errors (never for bad input, which is
// answered with an errc). On failure it prints the file, line, expression and a formatted message,
// then aborts, in release builds too.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace cairn::detail {

[[noreturn]] inline void assert_failed(const char* file, int line, const char* expr,
                                       const std::string& message) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s: %s\n", file, line, expr, message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace cairn::detail

#define CAIRN_ASSERT(cond, ...)                                                              \
  do {                                                                                       \
    if (!(cond)) [[unlikely]] {                                                              \
      ::cairn::detail::assert_failed(__FILE__, __LINE__, #cond, ::fmt::format(__VA_ARGS__)); \
    }                                                                                        \
  } while (false)

#ifdef NDEBUG
#define CAIRN_DEBUG_ASSERT(cond, ...) \
  do {                                \
  } while (false)
#else
#define CAIRN_DEBUG_ASSERT(cond, ...) CAIRN_ASSERT(cond, __VA_ARGS__)
#endif
