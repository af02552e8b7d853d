#include "sdk/client/coordinator_lookup.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sdk/group/recovery.h"

namespace cairn::sdk {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

namespace {

// Attempts per call: with the backoff's 1 s cap, more than a request timeout's worth of waiting.
constexpr std::int32_t kAttemptsMax = 40;

bool worth_retrying(std::error_code ec) {
  auto r = recovery_for(ec);
  return r == group_recovery::find_coordinator || r == group_recovery::retry;
}

}  // namespace

group_coordinator::group_coordinator(client_impl& c, std::string group_id)
    : client_(c), group_id_(std::move(group_id)), prng_(std::random_device{}()) {}

asio::awaitable<result<broker_info>> group_coordinator::find(std::chrono::milliseconds timeout) {
  BOOST_OUTCOME_CO_TRY(auto response, co_await client_.call_any(
                                          [&](wire::Request::Builder req) {
                                            req.initFindCoordinator().setGroupId(group_id_);
                                          },
                                          wire::Response::FIND_COORDINATOR, timeout));
  auto found = response.root().getFindCoordinator();
  if (found.getPort() == 0 || found.getHost().size() == 0) co_return sdk::errc::unexpected_response;
  co_return broker_info{
      .node_id = found.getNodeId(), .host = found.getHost(), .port = found.getPort()};
}

asio::awaitable<void> group_coordinator::back_off(std::int32_t failures, time_point deadline) {
  auto wait = std::chrono::milliseconds(backoff_.delay_ms(failures, prng_));
  auto until = std::min(deadline, steady_clock::now() + wait);
  asio::steady_timer timer(client_.io(), until);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<result<protocol::parsed_response>> group_coordinator::call(
    const request_filler& fill, wire::Response::Which expected, std::chrono::milliseconds timeout,
    time_point deadline, bool keep_error) {
  std::error_code last = protocol::errc::coordinator_not_available;
  for (std::int32_t attempt = 0; attempt < kAttemptsMax; ++attempt) {
    if (attempt > 0) {
      if (steady_clock::now() >= deadline) break;
      co_await back_off(attempt, deadline);
    }
    if (!known_) {
      auto found = co_await find(timeout);
      if (!found) {
        last = found.error();
        if (worth_retrying(last)) continue;
        co_return last;
      }
      known_ = found.value();
    }
    broker_info coordinator = *known_;
    auto response = co_await client_.call(coordinator, fill, expected, timeout, true);
    if (!response) {
      last = response.error();
      if (!worth_retrying(last)) co_return last;
      if (recovery_for(last) == group_recovery::find_coordinator) forget();
      continue;
    }
    auto code = response.value().root().getErrorCode();
    if (code == wire::ErrorCode::NONE) co_return response;
    std::error_code ec = protocol::from_wire(code);
    if (worth_retrying(ec)) {
      last = ec;
      if (recovery_for(ec) == group_recovery::find_coordinator) forget();
      continue;
    }
    if (keep_error && response.value().root().which() == expected) co_return response;
    co_return ec;
  }
  co_return last;
}

}  // namespace cairn::sdk
