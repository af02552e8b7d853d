// The `cairn group` commands and `cairn consume -g` against a real broker, as a user's shell
// would run them: list, describe (table and JSON, with lag), reset-offsets refused while the
// group has members and applied after, and delete.
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/broker_harness.h"
#include "tests/integration/cli_process.h"

using namespace cairn::testing;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kBrokerArgs = {"--group-initial-rebalance-delay-ms", "0",
                                              "--offsets-partitions", "3"};

struct run_result {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs `cairn -b 127.0.0.1:PORT ARGS < input`, capturing stdout and stderr.
run_result run_cli(std::uint16_t port, const std::string& args, const temp_dir& dir,
                   const std::string& input = "") {
  std::string in_path = dir / "stdin.txt";
  std::string err_path = dir / "stderr.txt";
  std::ofstream(in_path) << input;
  std::string command = std::string(CAIRN_CLI_PATH) + " -b 127.0.0.1:" + std::to_string(port) +
                        " " + args + " < " + in_path + " 2> " + err_path;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  int status = ::pclose(pipe);
  std::stringstream err;
  err << std::ifstream(err_path).rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err.str()};
}

boost::json::object describe_json(std::uint16_t port, const temp_dir& dir,
                                  const std::string& group) {
  auto r = run_cli(port, "group describe " + group + " --format json", dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return boost::json::parse(r.out).as_object();
}

// The JSON row of partition 0: (current offset or -1, log end offset, lag or -1, member).
struct row {
  std::int64_t current = -1;
  std::int64_t log_end = -1;
  std::int64_t lag = -1;
  std::string member;
};

row partition0(const boost::json::object& d) {
  for (const auto& p : d.at("partitions").as_array()) {
    const auto& o = p.as_object();
    if (o.at("partition").as_int64() != 0) continue;
    row r;
    if (!o.at("current_offset").is_null()) r.current = o.at("current_offset").as_int64();
    if (!o.at("log_end_offset").is_null()) r.log_end = o.at("log_end_offset").as_int64();
    if (!o.at("lag").is_null()) r.lag = o.at("lag").as_int64();
    if (!o.at("member").is_null()) r.member = std::string(o.at("member").as_string());
    return r;
  }
  FAIL("no partition 0 in " << boost::json::serialize(d));
  return {};
}

}  // namespace

TEST_CASE(
    "cairn group: list and describe with lag and reset-offsets only without members and delete",
    "[cli][group]") {
  temp_dir dir;
  broker_process broker(broker_binary(), (dir.path() / "data").string(), kBrokerArgs);
  auto port = broker.port();
  REQUIRE(run_cli(port, "topic create events -p 1", dir).exit_code == 0);
  REQUIRE(run_cli(port, "produce events -k k", dir, "e0\ne1\ne2\ne3\ne4\ne5\ne6\ne7\ne8\ne9\n")
              .exit_code == 0);

  // A member reads four, commits them, and leaves.
  auto first = run_cli(port, "consume events -g audit -n 4", dir);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out == "e0\ne1\ne2\ne3\n");
  CHECK(run_cli(port, "group list", dir).out == "audit\tEmpty\n");

  auto table = run_cli(port, "group describe audit", dir);
  REQUIRE(table.exit_code == 0);
  INFO(table.out);
  CHECK(table.out.find("TOPIC") != std::string::npos);
  CHECK(table.out.find("CURRENT-OFFSET") != std::string::npos);
  CHECK(table.out.find("LOG-END-OFFSET") != std::string::npos);
  CHECK(table.out.find("LAG") != std::string::npos);
  CHECK(table.out.find("MEMBER") != std::string::npos);
  CHECK(table.out.find("state Empty") != std::string::npos);
  auto r0 = partition0(describe_json(port, dir, "audit"));
  CHECK(r0.current == 4);
  CHECK(r0.log_end == 10);
  CHECK(r0.lag == 6);
  CHECK(r0.member.empty());

  {
    // A long-running member: it reads the rest and stays in the group.
    cli_process member(CAIRN_CLI_PATH, {"-b", "127.0.0.1:" + std::to_string(port), "consume",
                                        "events", "-g", "audit", "--session-timeout-ms", "6000"});
    REQUIRE(member.wait_err(
        [](const std::string& l) { return l.find("assigned events/0") != std::string::npos; },
        30s));
    REQUIRE(member.wait_out([](const auto& lines) { return lines.size() == 6; }, 30s));
    CHECK(member.out_lines().front() == "e4");  // it started at the committed offset
    // Its commit follows its printing; the group shows it within a few tries.
    row busy;
    for (int attempt = 0; attempt < 50; ++attempt) {
      busy = partition0(describe_json(port, dir, "audit"));
      if (busy.current == 10) break;
      std::this_thread::sleep_for(100ms);
    }
    CHECK(busy.current == 10);
    CHECK(busy.lag == 0);
    CHECK_FALSE(busy.member.empty());
    CHECK(run_cli(port, "group list", dir).out == "audit\tStable\n");

    auto refused = run_cli(port, "group reset-offsets audit --topic events --to-earliest", dir);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("active members") != std::string::npos);
    auto not_deleted = run_cli(port, "group delete audit", dir);
    CHECK(not_deleted.exit_code == 1);
    CHECK(not_deleted.err.find("still has members") != std::string::npos);

    CHECK(member.signal_and_wait(SIGTERM) == 0);  // leaves the group on its way out
  }
  CHECK(run_cli(port, "group list", dir).out == "audit\tEmpty\n");

  auto earliest = run_cli(port, "group reset-offsets audit --topic events --to-earliest", dir);
  INFO(earliest.err);
  CHECK(earliest.exit_code == 0);
  CHECK(earliest.out.find("events") != std::string::npos);
  auto at_start = partition0(describe_json(port, dir, "audit"));
  CHECK(at_start.current == 0);
  CHECK(at_start.lag == 10);

  CHECK(run_cli(port, "group reset-offsets audit --topic events --to-offset 99", dir).exit_code ==
        0);
  CHECK(partition0(describe_json(port, dir, "audit")).current == 10);  // clamped to the end
  CHECK(run_cli(port, "group reset-offsets audit --topic events --to-timestamp 0", dir).exit_code ==
        0);
  CHECK(partition0(describe_json(port, dir, "audit")).current == 0);
  CHECK(run_cli(port, "group reset-offsets audit --topic events --to-latest", dir).exit_code == 0);
  CHECK(partition0(describe_json(port, dir, "audit")).current == 10);
  CHECK(run_cli(port, "group reset-offsets audit --topic events --to-offset 7", dir).exit_code ==
        0);
  CHECK(partition0(describe_json(port, dir, "audit")).current == 7);
  CHECK(run_cli(port, "consume events -g audit -n 3", dir).out == "e7\ne8\ne9\n");

  CHECK(run_cli(port, "group reset-offsets audit --topic events", dir).exit_code == 2);
  CHECK(run_cli(port, "group reset-offsets audit --to-latest", dir).exit_code == 2);
  CHECK(run_cli(port, "group bogus", dir).exit_code == 2);

  auto deleted = run_cli(port, "group delete audit", dir);
  INFO(deleted.err);
  CHECK(deleted.exit_code == 0);
  CHECK(run_cli(port, "group list", dir).out.empty());
  auto gone = run_cli(port, "group describe audit", dir);
  CHECK(gone.exit_code == 1);
  CHECK(gone.err.find("no such group") != std::string::npos);
}
