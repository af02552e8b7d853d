// cairn::result<T>: a value or a std::error_code, the one error currency of every part.
// Operating errors (bad input, full disk, a lost race) travel as values; bugs crash via
// CAIRN_ASSERT.
#pragma once

#include <boost/outcome/std_result.hpp>
#include <boost/outcome/try.hpp>
#include <system_error>

namespace cairn {

template <class T>
using result = boost::outcome_v2::std_result<T>;

using boost::outcome_v2::success;

}  // namespace cairn

// Propagates an error. It expands to several statements (it may declare the variable it is given),
// so under an `if` it needs braces.
#define CAIRN_TRY BOOST_OUTCOME_TRY
