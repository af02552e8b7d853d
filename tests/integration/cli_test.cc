// The `cairn` command-line client against a real broker, as a user's shell would run it.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "tests/integration/broker_harness.h"

using namespace cairn::testing;

namespace {

struct run_result {
  int exit_code;
  std::string out;
};

// Runs `cairn -b 127.0.0.1:PORT ARGS < input`, capturing stdout (stderr goes to the test log).
run_result run_cli(std::uint16_t port, const std::string& args, const std::string& input,
                   const temp_dir& dir) {
  std::string in_path = dir / "stdin.txt";
  std::ofstream(in_path) << input;
  std::string command = std::string(CAIRN_CLI_PATH) + " -b 127.0.0.1:" + std::to_string(port) +
                        " " + args + " < " + in_path;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("the cairn CLI creates topics, produces, consumes and appends to streams", "[cli]") {
  temp_dir dir;
  broker_process broker(broker_binary(), (dir.path() / "data").string());
  auto port = broker.port();
  CHECK(run_cli(port, "topic create orders -p 3", "", dir).exit_code == 0);
  CHECK(run_cli(port, "topic create orders -p 3", "", dir).exit_code == 1);  // already exists
  CHECK(run_cli(port, "topic list", "", dir).out == "orders\t3\n");

  auto produced = run_cli(port, "produce orders -k customer-7 -H source=cli", "a\nb\nc\n", dir);
  CHECK(produced.exit_code == 0);
  auto consumed = run_cli(port, "consume orders -n 3 --timeout-ms 2000", "", dir);
  CHECK(consumed.exit_code == 0);
  CHECK(consumed.out == "a\nb\nc\n");  // one key, one partition, in order
  auto json = run_cli(port, "consume orders -n 1 --format json --timeout-ms 2000", "", dir);
  CHECK(json.out.find("\"key\":\"customer-7\"") != std::string::npos);
  CHECK(json.out.find("\"headers\":{\"source\":\"cli\"}") != std::string::npos);

  CHECK(run_cli(port, "produce nope", "x\n", dir).exit_code == 1);  // unknown topic: not acked

  auto first = run_cli(port, "stream append orders acct-1 --expected-version no-stream -t t.v1",
                       "opened\ndeposited\n", dir);
  CHECK(first.exit_code == 0);
  CHECK(first.out == "1\n");
  CHECK(
      run_cli(port, "stream append orders acct-1 --expected-version 0", "late\n", dir).exit_code ==
      3);
  CHECK(run_cli(port, "stream append orders acct-1 --expected-version 1", "withdrawn\n", dir).out ==
        "2\n");
  CHECK(run_cli(port, "stream read orders acct-1", "", dir).out ==
        "opened\ndeposited\nwithdrawn\n");
  CHECK(run_cli(port, "stream read orders acct-1 --from-version 2", "", dir).out == "withdrawn\n");
  CHECK(run_cli(port, "bogus", "", dir).exit_code == 2);
  CHECK(run_cli(port, "topic delete orders", "", dir).exit_code == 0);
  CHECK(run_cli(port, "topic list", "", dir).out.empty());
}

TEST_CASE("cairn cluster status shows a standalone broker as the whole cluster", "[cli]") {
  temp_dir dir;
  broker_process broker(broker_binary(), (dir.path() / "data").string());
  auto port = broker.port();
  REQUIRE(run_cli(port, "topic create orders -p 2", "", dir).exit_code == 0);
  REQUIRE(run_cli(port, "produce orders -k k", "a\nb\n", dir).exit_code == 0);

  auto status = run_cli(port, "cluster status", "", dir);
  INFO(status.out);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("cluster cairn  controller 1  brokers 1 (1 alive)\n") == 0);
  // The broker line: id with the controller mark, address, alive, role in the controller's
  // group (alone, it is the group's one voter), last seen.
  CHECK(status.out.find("1 *      127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(status.out.find(" yes    voter       0 ms ago\n") != std::string::npos);
  CHECK(status.out.find("topic  partition leader  epoch  replicas     in-sync      lag\n") !=
        std::string::npos);
  CHECK(status.out.find("orders 0         1       0      1            1            1:0\n") !=
        std::string::npos);
  CHECK(status.out.find("orders 1         1       0      1            1            1:0\n") !=
        std::string::npos);
  // The broker's own topics only when asked for.
  CHECK(status.out.find("__consumer_offsets") == std::string::npos);
  auto internal = run_cli(port, "cluster status --internal", "", dir);
  CHECK(internal.out.find("__consumer_offsets") != std::string::npos);
  CHECK(run_cli(port, "cluster", "", dir).exit_code == 2);

  auto described = run_cli(port, "topic describe orders", "", dir);
  INFO(described.out);
  CHECK(described.out.find("partition  leader  replicas     in-sync      log-start") !=
        std::string::npos);
  CHECK(described.out.find("\n0          1       1            1            0") !=
        std::string::npos);
}
