// Untrusted bytes on the wire: the broker answers or closes that connection, keeps serving the
// others, and loses nothing already stored.
#include <capnp/any.h>
#include <capnp/schema.h>

#include <cstring>
#include <random>

#include "tests/integration/broker_harness.h"

using namespace cairn::testing;
using namespace std::chrono_literals;

namespace {

// A healthy client can still produce and read back everything written before.
void check_still_serving(std::uint16_t port, std::size_t records_before) {
  wire_client c(port);
  REQUIRE(produce(c, "safe", 0, batch_of({{"k", "after"}})).error == wire::ErrorCode::NONE);
  auto records = fetch_all(c, "safe", 0);
  CHECK(records.size() == records_before + 1);
}

}  // namespace

TEST_CASE("bad bytes close or answer one connection; others are served, nothing is lost",
          "[broker][bad-input]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string());
  std::size_t stored = 0;
  {
    wire_client c(broker.port());
    create_topic(c, "safe", 1);
    REQUIRE(produce(c, "safe", 0, batch_of({{"a", "1"}, {"b", "2"}})).error ==
            wire::ErrorCode::NONE);
    stored = 2;
  }

  SECTION("a frame header claiming 4 GiB is refused before allocating") {
    wire_client evil(broker.port());
    // One segment of 0x20000000 words = 4 GiB.
    evil.send_bytes(std::string("\x00\x00\x00\x00\x00\x00\x00\x20", 8));
    auto answer = evil.receive(10s);  // an error response, then the connection closes
    if (answer) CHECK(answer->root().getErrorCode() == wire::ErrorCode::INVALID_REQUEST);
    CHECK_FALSE(evil.receive(10s).has_value());
    check_still_serving(broker.port(), stored);
  }
  SECTION("a header claiming a huge segment count") {
    wire_client evil(broker.port());
    evil.send_bytes(std::string("\xff\xff\x00\x00", 4));
    (void)evil.receive(10s);
    CHECK_FALSE(evil.receive(10s).has_value());
    check_still_serving(broker.port(), stored);
  }
  SECTION("random bytes") {
    std::mt19937_64 prng(Catch::rngSeed());
    for (int round = 0; round < 20; ++round) {
      wire_client evil(broker.port());
      std::string junk(1 + prng() % 4096, '\0');
      for (char& ch : junk)
        ch = static_cast<char>(prng());
      evil.send_bytes(junk);
      evil.close();
    }
    check_still_serving(broker.port(), stored);
  }
  SECTION("a truncated frame, then the connection drops") {
    wire_client evil(broker.port());
    cairn::protocol::frame_writer w;
    w.init_request(5).initMetadata().setAllTopics(true);
    auto frame = w.finish().value();
    auto bytes = cairn::protocol::frame_bytes(frame);
    evil.send_bytes(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size() / 2));
    CHECK_FALSE(evil.receive(300ms).has_value());  // it waits for the rest, answers nothing
    evil.close();
    check_still_serving(broker.port(), stored);
  }
  SECTION("a well-framed message of garbage gets an error and the connection stays usable") {
    wire_client c(broker.port());
    // Framing says one segment of 4 words; the words are not a valid Request.
    std::string frame("\x00\x00\x00\x00\x04\x00\x00\x00", 8);
    frame += std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8) + std::string(24, '\x7f');
    c.send_bytes(frame);
    auto answer = c.receive(10s);
    REQUIRE(answer.has_value());
    CHECK(answer->root().getErrorCode() == wire::ErrorCode::INVALID_REQUEST);
    auto meta = c.call([](wire::Request::Builder req) { req.initMetadata().setAllTopics(true); });
    CHECK(meta.root().getErrorCode() == wire::ErrorCode::NONE);
    check_still_serving(broker.port(), stored);
  }
  SECTION("an unknown or unimplemented request kind") {
    wire_client c(broker.port());
    // A kind from a newer schema: a union discriminant past this build's members.
    auto r = c.call([](wire::Request::Builder req) {
      req.initMetadata();
      capnp::AnyStruct::Builder raw = wire::Request::Builder(req);
      const std::uint16_t future_kind = 999;
      auto offset =
          capnp::Schema::from<wire::Request>().getProto().getStruct().getDiscriminantOffset();
      std::memcpy(raw.getDataSection().begin() + 2 * offset, &future_kind, 2);
    });
    CHECK(r.root().getErrorCode() == wire::ErrorCode::UNKNOWN_REQUEST);
    // A known kind left empty gets its own clear error.
    auto empty = c.call([](wire::Request::Builder req) { req.initJoinGroup(); });
    CHECK(empty.root().getErrorCode() == wire::ErrorCode::INVALID_GROUP_ID);
    check_still_serving(broker.port(), stored);
  }
  SECTION("valid frames carrying corrupt batches") {
    wire_client c(broker.port());
    std::string batch = batch_of({{"k", "v"}});
    batch[batch.size() - 2] ^= 0x10;  // breaks the CRC
    CHECK(produce(c, "safe", 0, batch).error == wire::ErrorCode::CORRUPT_BATCH);
    CHECK(produce(c, "safe", 0, "definitely not a record batch").error ==
          wire::ErrorCode::CORRUPT_BATCH);
    auto r = c.call([](wire::Request::Builder req) {
      auto a = req.initAppendToStream();
      a.setTopic("safe");
      a.setKey(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>("s"), 1));
      // expectedVersion left unset (-3): refused
    });
    CHECK(r.root().getErrorCode() == wire::ErrorCode::INVALID_REQUEST);
    check_still_serving(broker.port(), stored);
  }
}
