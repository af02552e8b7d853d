// What the exception in flight says, for a log line (capnp's kj::Exception is not a
// std::exception). Both servers use it when a handler throws.
#pragma once

#include <kj/exception.h>

#include <exception>
#include <string>

namespace cairn::broker {

inline std::string describe_current_exception() {
  try {
    throw;
  } catch (const kj::Exception& e) {
    return e.getDescription().cStr();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

}  // namespace cairn::broker
