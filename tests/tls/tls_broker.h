// tls_broker: a real cairn-broker with TLS on its native and Kafka listeners (free loopback
// ports), the certificates of a test_pki, and the clients the tests drive it with: the `cairn`
// CLI over TLS and kcat over SSL.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/broker_process.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/tls/test_certs.h"

namespace cairn::testing {

struct tls_broker {
  // `cert` defaults to the PKI's server certificate; `extra` adds broker flags.
  explicit tls_broker(const test_pki& pki, std::vector<std::string> extra = {},
                      const cert_files* cert = nullptr)
      : pki_(pki), broker(CAIRN_BROKER_PATH, dir.path().string(), flags(pki, extra, cert)) {}

  std::string native_address() const { return "127.0.0.1:" + std::to_string(broker.port()); }
  std::string kafka_address() const { return "127.0.0.1:" + std::to_string(broker.kafka_port()); }

  // `cairn -b NATIVE --tls-ca CA [client cert] args...` (the caller checks the result).
  command_result cli(std::vector<std::string> args, const std::string& input = {},
                     bool client_cert = false) const {
    std::vector<std::string> head = {CAIRN_CLI_PATH, "-b", native_address(), "--tls-ca",
                                     pki_.ca.cert};
    if (client_cert) {
      head.insert(head.end(), {"--tls-cert", pki_.client.cert, "--tls-key", pki_.client.key});
    }
    args.insert(args.begin(), head.begin(), head.end());
    return run_command(std::move(args), input, std::chrono::seconds(60));
  }

  void create_topic(const std::string& name, int partitions, bool client_cert = false) const {
    auto r =
        cli({"topic", "create", name, "--partitions", std::to_string(partitions)}, {}, client_cert);
    INFO("cairn: " << r.err);
    REQUIRE(r.exit_code == 0);
  }

  // `kcat -b KAFKA -X security.protocol=ssl -X ssl.ca.location=CA args...`.
  command_result kcat(std::vector<std::string> args, const std::string& input = {}) const {
    std::vector<std::string> head = {"kcat",
                                     "-b",
                                     kafka_address(),
                                     "-X",
                                     "security.protocol=ssl",
                                     "-X",
                                     "ssl.ca.location=" + pki_.ca.cert};
    args.insert(args.begin(), head.begin(), head.end());
    return run_command(std::move(args), input, std::chrono::seconds(60));
  }

  static std::vector<std::string> flags(const test_pki& pki, std::vector<std::string> extra,
                                        const cert_files* cert) {
    const cert_files& c = cert != nullptr ? *cert : pki.server;
    std::vector<std::string> out = {"--tls-cert", c.cert, "--tls-key", c.key};
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }

  const test_pki& pki_;
  temp_dir dir;
  broker_process broker;
};

}  // namespace cairn::testing
