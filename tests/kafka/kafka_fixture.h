// What the Kafka front end's tests share: a real cairn-broker with its Kafka listener on a free
// loopback port, the `cairn` CLI to set up topics through the native protocol, and kcat.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/broker_process.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace cairn::testing {

struct kafka_broker {
  explicit kafka_broker(std::vector<std::string> extra = {})
      : broker(CAIRN_BROKER_PATH, dir.path().string(), std::move(extra)) {}

  std::string kafka_address() const { return "127.0.0.1:" + std::to_string(broker.kafka_port()); }
  std::string native_address() const { return "127.0.0.1:" + std::to_string(broker.port()); }

  // `cairn -b NATIVE args...`; fails the test when the command fails.
  command_result cli(std::vector<std::string> args, const std::string& input = {}) const {
    args.insert(args.begin(), {CAIRN_CLI_PATH, "-b", native_address()});
    auto r = run_command(std::move(args), input);
    INFO("cairn stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }

  void create_topic(const std::string& name, int partitions) const {
    cli({"topic", "create", name, "--partitions", std::to_string(partitions)});
  }

  // `kcat -b KAFKA args...` (the result is the caller's to check).
  command_result kcat(std::vector<std::string> args, const std::string& input = {}) const {
    args.insert(args.begin(), {"kcat", "-b", kafka_address()});
    return run_command(std::move(args), input);
  }

  temp_dir dir;
  broker_process broker;
};

}  // namespace cairn::testing
