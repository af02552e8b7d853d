// The quickstart sample of docs/sdk.md against a real broker: every step prints what it did and
// the program exits 0 only when each did what it should (the sample checks its own outcomes);
// this test also checks the lines a reader of the guide is told to expect.
#include <catch2/catch.hpp>
#include <csignal>

#include "tests/integration/cli_process.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

using cairn::testing::broker_process;
using cairn::testing::cli_process;
using cairn::testing::temp_dir;

TEST_CASE("the quickstart sample runs its three steps against a real broker", "[samples]") {
  temp_dir dir;
  broker_process broker(CAIRN_BROKER_PATH, (dir.path() / "broker").string(),
                        {"--group-initial-rebalance-delay-ms", "0"});
  cli_process sample(CAIRN_QUICKSTART_PATH,
                     {"--broker", "127.0.0.1:" + std::to_string(broker.port()), "--data-dir",
                      (dir.path() / "service").string()});
  auto has = [](const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  };
  bool finished = sample.wait_out(
      [&](const std::vector<std::string>& lines) { return has(lines, "quickstart: all steps"); },
      std::chrono::seconds(60));
  INFO("stderr: " << (sample.err_lines().empty() ? "" : sample.err_lines().back()));
  REQUIRE(finished);
  CHECK(sample.signal_and_wait(0) == 0);  // signal 0: nothing is sent, it is reaped on exit
  auto out = sample.out_lines();
  CHECK(has(out, "(attempt 2): already applied, nothing appended"));
  CHECK(has(out, "refused (insufficient funds)"));
  CHECK(has(out, "read model: acc-ann (Ann) has 2500.00"));
  CHECK(has(out, "read model: acc-bob (Bob) has 40.00"));
  CHECK(has(out, "handler: large deposit of 2500.00 on acc-ann"));
}
