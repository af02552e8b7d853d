#include "sdk/group/recovery.h"

#include <catch2/catch.hpp>

#include "protocol/wire_errc.h"
#include "cairn/errc.h"

using namespace cairn;
using sdk::group_recovery;

TEST_CASE("group errors: what the member does about each", "[group][recovery]") {
  using p = protocol::errc;
  CHECK(sdk::recovery_for({}) == group_recovery::none);
  CHECK(sdk::recovery_for(p::not_coordinator) == group_recovery::find_coordinator);
  CHECK(sdk::recovery_for(p::coordinator_not_available) == group_recovery::find_coordinator);
  CHECK(sdk::recovery_for(p::coordinator_load_in_progress) == group_recovery::retry);
  CHECK(sdk::recovery_for(p::rebalance_in_progress) == group_recovery::rejoin);
  CHECK(sdk::recovery_for(p::member_id_required) == group_recovery::use_given_member_id);
  CHECK(sdk::recovery_for(p::illegal_generation) == group_recovery::reset_generation);
  CHECK(sdk::recovery_for(p::unknown_member_id) == group_recovery::reset_member);
  for (auto fatal :
       {p::fenced_instance_id, p::inconsistent_group_protocol, p::invalid_session_timeout,
        p::group_max_size_reached, p::invalid_group_id, p::unknown_request}) {
    INFO(std::error_code(fatal).message());
    CHECK(sdk::recovery_for(fatal) == group_recovery::fatal);
  }
  // The link: the coordinator may have died or moved.
  CHECK(sdk::recovery_for(sdk::errc::connection_lost) == group_recovery::find_coordinator);
  CHECK(sdk::recovery_for(sdk::errc::request_timeout) == group_recovery::find_coordinator);
  CHECK(sdk::recovery_for(sdk::errc::malformed_group_data) == group_recovery::fatal);
  CHECK(sdk::recovery_for(std::make_error_code(std::errc::io_error)) == group_recovery::fatal);
}

TEST_CASE("group errors: only a lost generation or member loses the partitions",
          "[group][recovery]") {
  CHECK(sdk::loses_partitions(group_recovery::reset_generation));
  CHECK(sdk::loses_partitions(group_recovery::reset_member));
  CHECK_FALSE(sdk::loses_partitions(group_recovery::rejoin));
  CHECK_FALSE(sdk::loses_partitions(group_recovery::find_coordinator));
  CHECK_FALSE(sdk::loses_partitions(group_recovery::fatal));
}
