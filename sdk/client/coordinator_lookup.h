// group_coordinator: where one consumer group's requests go. FindCoordinator (asked of any broker)
// names the broker that coordinates the group; the answer is kept until a request says the
// coordinator moved (not_coordinator), is not ready (coordinator_not_available), or cannot be
// reached, and is then looked up again, with backoff, until the caller's deadline.
//
// REQUIRES: used on the client's io thread only (like client_impl).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <string>

#include "sdk/client/backoff.h"
#include "sdk/client/client_impl.h"

namespace cairn::sdk {

class group_coordinator {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  group_coordinator(client_impl& c, std::string group_id);

  const std::string& group_id() const { return group_id_; }

  // One request to the coordinator, each attempt waiting at most `timeout` for its answer.
  // Coordinator errors (not_coordinator, coordinator_not_available, coordinator_load_in_progress)
  // and connection errors are retried (looking the coordinator up again where it may have moved)
  // until `deadline`; the last one is returned after it. Any other request-level error is
  // returned as the error, or, with keep_error, inside the response (JoinGroup's
  // member_id_required carries the id to use).
  boost::asio::awaitable<result<protocol::parsed_response>> call(
      const request_filler& fill, protocol::wire::Response::Which expected,
      std::chrono::milliseconds timeout, time_point deadline, bool keep_error = false);

  // Forgets the coordinator: the next call looks it up again.
  void forget() { known_.reset(); }
  const std::optional<broker_info>& known() const { return known_; }

 private:
  boost::asio::awaitable<result<broker_info>> find(std::chrono::milliseconds timeout);
  boost::asio::awaitable<void> back_off(std::int32_t failures, time_point deadline);

  client_impl& client_;
  std::string group_id_;
  std::optional<broker_info> known_;
  backoff_policy backoff_{100, 1'000};
  std::mt19937_64 prng_;
};

}  // namespace cairn::sdk
