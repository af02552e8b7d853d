#include "sdk/group/leader_assignment.h"

#include <catch2/catch.hpp>

#include "cairn/errc.h"
#include "sdk/group/membership_codec.h"

using namespace cairn;
using namespace cairn::sdk;

namespace {

joined_member member(std::string id, std::vector<std::string> topics) {
  auto bytes = encode_subscription(
      {.topics = std::move(topics), .owned = {}, .generation = -1, .user_data = {}});
  REQUIRE(bytes);
  return {std::move(id), std::nullopt, std::move(bytes).value()};
}

}  // namespace

TEST_CASE("leader: decodes, assigns with the chosen assignor and encodes every member",
          "[group][leader]") {
  auto members = decode_members({member("m1", {"a"}), member("m2", {"a", "b"})});
  REQUIRE(members);
  CHECK(subscribed_topics(members.value()) == std::vector<std::string>{"a", "b"});
  auto range = find_assignor("range");
  REQUIRE(range);
  auto out = compute_assignment(*range, members.value(), {{"a", 2}, {"b", 1}});
  REQUIRE(out);
  CHECK(out.value().encoded.size() == 2);
  CHECK_FALSE(out.value().follow_up);
  auto m2 = decode_assignment(out.value().encoded.at("m2"));
  REQUIRE(m2);
  CHECK(m2.value().partitions == std::vector<topic_partition>{{"a", 1}, {"b", 0}});
}

TEST_CASE("leader: refuses a member listed twice before any assignor sees it", "[group][leader]") {
  auto members = decode_members({member("m1", {"a"}), member("m1", {"a"})});
  REQUIRE_FALSE(members);
  CHECK(members.error() == errc::duplicate_member_id);
}

TEST_CASE("leader: a subscription that does not decode fails the assignment", "[group][leader]") {
  auto members = decode_members({member("m1", {"a"}), {"m2", std::nullopt, "\x01"}});
  REQUIRE_FALSE(members);
  CHECK(members.error() == errc::malformed_group_data);
}
