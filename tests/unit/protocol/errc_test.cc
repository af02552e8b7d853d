#include "protocol/wire_errc.h"

#include <capnp/schema.h>

#include <catch2/catch.hpp>
#include <string>

using cairn::protocol::errc;
namespace wire = cairn::protocol::wire;
namespace protocol = cairn::protocol;

TEST_CASE("every wire ErrorCode maps to an errc and back", "[protocol][errc]") {
  const auto enumerants = capnp::Schema::from<wire::ErrorCode>().getEnumerants();
  // errc.cc static_asserts each value; this catches an enumerant added to the schema only.
  REQUIRE(enumerants.size() == 38);
  for (auto enumerant : enumerants) {
    const auto code = static_cast<wire::ErrorCode>(enumerant.getOrdinal());
    const errc e = protocol::from_wire(code);
    INFO(enumerant.getProto().getName().cStr());
    CHECK(e != errc::unknown_error_code);
    CHECK(protocol::to_wire(e) == code);
    const std::string message = std::error_code(e).message();
    CHECK_FALSE(message.empty());
    CHECK(message.find("unknown protocol error") == std::string::npos);
  }
}

TEST_CASE("an ErrorCode from a newer peer is unknown and not retriable", "[protocol][errc]") {
  const errc e = protocol::from_wire(static_cast<wire::ErrorCode>(999));
  CHECK(e == errc::unknown_error_code);
  CHECK_FALSE(protocol::is_retriable(e));
  CHECK(protocol::to_wire(e) == wire::ErrorCode::INTERNAL);
}

TEST_CASE("local-only codes map to what the peer should hear", "[protocol][errc]") {
  CHECK(protocol::to_wire(errc::frame_too_large) == wire::ErrorCode::INVALID_REQUEST);
  CHECK(protocol::to_wire(errc::frame_too_many_segments) == wire::ErrorCode::INVALID_REQUEST);
  CHECK(protocol::to_wire(std::error_code{}) == wire::ErrorCode::NONE);
  CHECK(protocol::to_wire(std::make_error_code(std::errc::io_error)) == wire::ErrorCode::INTERNAL);
  CHECK(protocol::to_wire(std::error_code(errc::not_leader)) == wire::ErrorCode::NOT_LEADER);
}

TEST_CASE("retriability follows Kafka", "[protocol][errc]") {
  for (errc e :
       {errc::unknown_topic, errc::unknown_partition, errc::not_leader, errc::request_timed_out,
        errc::not_enough_replicas, errc::coordinator_not_available, errc::not_coordinator,
        errc::coordinator_load_in_progress}) {
    INFO(std::error_code(e).message());
    CHECK(protocol::is_retriable(e));
    CHECK(protocol::is_retriable(std::error_code(e)));
  }
  for (errc e : {errc::ok,
                 errc::offset_out_of_range,
                 errc::wrong_expected_version,
                 errc::record_too_large,
                 errc::corrupt_batch,
                 errc::invalid_request,
                 errc::unsupported_version,
                 errc::topic_already_exists,
                 errc::invalid_partitions,
                 errc::invalid_replication_factor,
                 errc::invalid_config,
                 errc::out_of_order_sequence,
                 errc::duplicate_sequence,
                 errc::invalid_producer_epoch,
                 errc::unknown_request,
                 errc::internal,
                 errc::frame_too_large,
                 errc::frame_too_many_segments,
                 errc::illegal_generation,
                 errc::unknown_member_id,
                 errc::rebalance_in_progress,
                 errc::fenced_instance_id,
                 errc::member_id_required,
                 errc::non_empty_group}) {
    INFO(std::error_code(e).message());
    CHECK_FALSE(protocol::is_retriable(e));
  }
  // Another category's value 3 is not our not_leader.
  CHECK_FALSE(protocol::is_retriable(std::error_code(3, std::generic_category())));

  CHECK(protocol::needs_metadata_refresh(errc::not_leader));
  CHECK(protocol::needs_metadata_refresh(errc::unknown_topic));
  CHECK_FALSE(protocol::needs_metadata_refresh(errc::request_timed_out));
}

TEST_CASE("errc is a std::error_code enum with actionable messages", "[protocol][errc]") {
  std::error_code ec = errc::unknown_topic;
  CHECK(ec == errc::unknown_topic);
  CHECK(std::string(ec.category().name()) == "cairn.protocol");
  CHECK(ec.message().find("cairn topic create") != std::string::npos);
  CHECK(std::error_code(errc::wrong_expected_version).message().find("reload") !=
        std::string::npos);
  CHECK(std::error_code(static_cast<errc>(4242)).message() == "unknown protocol error 4242");
}
