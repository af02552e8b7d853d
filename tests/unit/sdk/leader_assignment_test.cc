#include "sdk/group/leader_assignment.h"

#include <catch2/catch.hpp>
#include <set>

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

TEST_CASE("leader: assigns Kafka clients' members alongside SDK members", "[group][leader]") {
  // librdkafka 2.0's cooperative-sticky subscription (version 1, no generation), owning t/3 and
  // t/1 (listed unsorted), with its sticky user data; and KafkaJS's version 0.
  const std::string librdkafka(
      "\x00\x01"
      "\x00\x00\x00\x01\x00\x01t"
      "\x00\x00\x00\x00"
      "\x00\x00\x00\x01\x00\x01t\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x01",
      2 + 4 + 3 + 4 + 4 + 3 + 4 + 8);
  const std::string kafkajs("\x00\x00\x00\x00\x00\x01\x00\x01t\x00\x00\x00\x00", 13);
  auto members = decode_members(
      {member("sdk", {"t"}), {"rdk", std::nullopt, librdkafka}, {"js", std::nullopt, kafkajs}});
  REQUIRE(members);
  const auto& rdk = members.value()[1];
  CHECK(rdk.topics == std::vector<std::string>{"t"});
  CHECK(rdk.owned == std::vector<topic_partition>{{"t", 1}, {"t", 3}});
  CHECK(rdk.generation == -1);

  for (std::string_view name : {"range", "cooperative-sticky"}) {
    INFO(name);
    auto out = compute_assignment(*find_assignor(name), members.value(), {{"t", 6}});
    REQUIRE(out);
    std::set<topic_partition> all;
    std::size_t total = 0;
    for (const auto& id : {"sdk", "rdk", "js"}) {
      // Each member's bytes are what a Kafka client reads: a ConsumerProtocol assignment.
      auto decoded = decode_assignment(out.value().encoded.at(id));
      REQUIRE(decoded);
      CHECK(decoded.value().partitions == out.value().assignment.at(id));
      CHECK(decoded.value().partitions.size() == 2);
      all.insert(decoded.value().partitions.begin(), decoded.value().partitions.end());
      total += decoded.value().partitions.size();
    }
    CHECK(all.size() == 6);
    CHECK(total == 6);
    if (name == "cooperative-sticky") {
      // The librdkafka member keeps what it owned: nothing has to move, so no second round.
      CHECK(out.value().assignment.at("rdk") == std::vector<topic_partition>{{"t", 1}, {"t", 3}});
      CHECK_FALSE(out.value().follow_up);
    }
  }
}
