// The envelope built from a stored event: position, time and the es headers.
#include <catch2/catch.hpp>

#include "cairn/es/envelope.h"

namespace es = cairn::es;

TEST_CASE("es envelope carries position and the es headers", "[es][envelope]") {
  cairn::recorded_event e{
      .version = 4,
      .offset = 17,
      .timestamp_ms = 1'700'000'000'000,
      .type = "bank.Deposited.v2",
      .data = "{}",
      .headers = {
          {"command-id", "cmd-9"}, {"correlation-id", "corr-1"}, {"causation-id", std::nullopt}}};
  auto env = es::make_envelope("accounts", "acc-1", 2, e);
  CHECK(env.stream_id == "acc-1");
  CHECK(env.topic == "accounts");
  CHECK(env.partition == 2);
  CHECK(env.version == 4);
  CHECK(env.offset == 17);
  CHECK(env.timestamp_ms == 1'700'000'000'000);
  CHECK(env.type == "bank.Deposited.v2");
  CHECK(env.command_id == "cmd-9");
  CHECK(env.correlation_id == "corr-1");
  CHECK(env.causation_id.empty());  // a null header reads as absent
}

TEST_CASE("envelope_of reads a consumed record's key, position and es headers", "[es][envelope]") {
  cairn::consumer_record r;
  r.topic = "accounts";
  r.partition = 2;
  r.offset = 41;
  r.timestamp_ms = 1700;
  r.key = "acc-1";
  r.headers = {{"type", "bank.Deposited.v2"},
               {"cairn-stream-version", "7"},
               {"command-id", "cmd-1"},
               {"correlation-id", "corr"},
               {"causation-id", "cause"}};
  auto e = cairn::es::envelope_of(r);
  CHECK(e.stream_id == "acc-1");
  CHECK(e.topic == "accounts");
  CHECK(e.partition == 2);
  CHECK(e.offset == 41);
  CHECK(e.timestamp_ms == 1700);
  CHECK(e.version == 7);
  CHECK(e.type == "bank.Deposited.v2");
  CHECK(e.command_id == "cmd-1");
  CHECK(e.correlation_id == "corr");
  CHECK(e.causation_id == "cause");

  r.headers = {{"cairn-stream-version", "7x"}};  // not a number: no version, not an error
  CHECK(cairn::es::envelope_of(r).version == -1);
  r.headers.clear();
  CHECK(cairn::es::envelope_of(r).version == -1);
}
