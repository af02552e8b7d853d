// Maps what the broker's parts return (eventstore, broker, system errors) onto the wire's error
// codes, with a message for humans. Every handler reports errors through this one table.
#pragma once

#include <string>
#include <system_error>

#include "protocol/wire_errc.h"

namespace cairn::broker {

struct wire_error {
  protocol::errc code = protocol::errc::ok;
  std::string message;
};

wire_error to_wire_error(const std::error_code& ec);

}  // namespace cairn::broker
