// A real cairn-broker, standalone (no cluster): a Replicate request is refused with
// invalidRequest and a message saying why, the connection stays usable, and the broker keeps
// serving (this connection and others).
#include <catch2/catch.hpp>

#include "tests/integration/broker_harness.h"

namespace cairn::testing {
namespace {

void fill_replicate(wire::Request::Builder req) {
  auto r = req.initReplicate();
  r.setClusterId("cairn");
  r.setFromNode(2);
  auto m = r.initMessages(1)[0];
  m.setTopic("orders");
  m.setPartition(0);
  m.setFrom(2);
  m.setTo(1);
  m.setTerm(3);
  m.setTimeoutNow();
}

TEST_CASE("a standalone broker refuses replicate cleanly and keeps serving", "[peer]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path());
  wire_client client(broker.port());

  for (int i = 0; i < 3; ++i) {
    auto r = client.call(fill_replicate);
    CHECK(r.root().getErrorCode() == wire::ErrorCode::INVALID_REQUEST);
    CHECK(r.root().which() == wire::Response::REJECTED);
    CHECK(std::string(r.root().getErrorMessage().cStr()).find("standalone") != std::string::npos);
  }
  // An empty replicate, and one with a garbage message, are refused the same way.
  auto empty = client.call([](wire::Request::Builder req) { req.initReplicate(); });
  CHECK(empty.root().getErrorCode() == wire::ErrorCode::INVALID_REQUEST);

  // The same connection still serves, and so does a new one.
  create_topic(client, "orders", 1);
  auto produced = produce(client, "orders", 0, batch_of({{"k", "v"}}));
  CHECK(produced.error == wire::ErrorCode::NONE);
  wire_client other(broker.port());
  CHECK(fetch_all(other, "orders", 0).size() == 1);
  CHECK(broker.stop() == 0);
}

}  // namespace
}  // namespace cairn::testing
