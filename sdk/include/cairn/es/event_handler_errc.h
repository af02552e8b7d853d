// Errors of cairn::es::event_handler (category "cairn.es.handler").
#pragma once

#include <system_error>

namespace cairn::es {

enum class handler_errc {
  ok = 0,
  handler_threw,       // the handler function threw: treated as a failure (retried, parked)
  wrong_form,          // run_once on a coroutine handler or async_run_once on a blocking one
  dlq_partitions,      // `<topic>.dlq` exists with another partition count than the topic
  rebuild_incomplete,  // the DLQ partition could not be read to its end within the bound
  closed,              // the handler was closed
};

const std::error_category& handler_category() noexcept;

inline std::error_code make_error_code(handler_errc e) noexcept {
  return {static_cast<int>(e), handler_category()};
}

}  // namespace cairn::es

template <>
struct std::is_error_code_enum<cairn::es::handler_errc> : std::true_type {};
