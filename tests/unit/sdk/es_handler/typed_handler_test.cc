// The typed adapter: a record's `type` header and JSON value decoded with the event registry
// before the user's function sees it, with the envelope from the record; a record that does
// not decode is an error (so the handler parks it) and the function is not called.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "cairn/es/event_handler.h"
#include "tests/unit/sdk/es_account.h"

namespace es = cairn::es;

TEST_CASE("typed_handler decodes the event and builds its envelope", "[es][handler]") {
  es::event_registry<bank::event> registry;
  std::vector<std::int64_t> amounts;
  es::envelope last;
  auto fn = es::typed_handler<bank::event>(
      registry, [&](const bank::event& e, const es::envelope& env) -> cairn::result<void> {
        amounts.push_back(std::get<bank::deposited>(e).amount_cents);
        last = env;
        return cairn::success();
      });
  cairn::consumer_record r{.topic = "accounts",
                           .partition = 1,
                           .offset = 9,
                           .timestamp_ms = 77,
                           .key = "acc-1",
                           .value = R"({"amount_cents":250,"memo":"rent"})",
                           .headers = {{"type", "bank.Deposited.v2"},
                                       {"cairn-stream-version", "3"},
                                       {"correlation-id", "corr-1"}}};
  REQUIRE(fn(r));
  CHECK(amounts == std::vector<std::int64_t>{250});
  CHECK(last.stream_id == "acc-1");
  CHECK(last.version == 3);
  CHECK(last.partition == 1);
  CHECK(last.offset == 9);
  CHECK(last.type == "bank.Deposited.v2");
  CHECK(last.correlation_id == "corr-1");

  r.value = "not json";
  CHECK(fn(r).error() == es::errc::malformed_event);
  r.headers = {{"type", "bank.Unknown.v1"}};
  r.value = "{}";
  CHECK(fn(r).error() == es::errc::unknown_event_type);
  CHECK(amounts.size() == 1);  // not called for either
}

TEST_CASE("async_typed_handler decodes before awaiting the function", "[es][handler]") {
  es::event_registry<bank::event> registry;
  std::vector<std::int64_t> amounts;
  auto fn = es::async_typed_handler<bank::event>(
      registry,
      [&](const bank::event& e, const es::envelope&) -> cairn::awaitable<cairn::result<void>> {
        amounts.push_back(std::get<bank::deposited>(e).amount_cents);
        co_return cairn::success();
      });
  cairn::consumer_record good{.key = "acc-1",
                              .value = R"({"amount_cents":5,"memo":""})",
                              .headers = {{"type", "bank.Deposited.v2"}}};
  cairn::consumer_record bad{.key = "acc-1", .value = "{", .headers = good.headers};
  boost::asio::io_context io;
  std::vector<std::error_code> outcomes;
  boost::asio::co_spawn(
      io,
      [&]() -> cairn::awaitable<void> {
        auto first = co_await fn(good);
        outcomes.push_back(first ? std::error_code{} : first.error());
        auto second = co_await fn(bad);
        outcomes.push_back(second ? std::error_code{} : second.error());
      },
      boost::asio::detached);
  io.run();
  REQUIRE(outcomes.size() == 2);
  CHECK_FALSE(outcomes[0]);
  CHECK(outcomes[1] == es::errc::malformed_event);
  CHECK(amounts == std::vector<std::int64_t>{5});
}
