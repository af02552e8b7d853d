// The Kafka listener over TLS with real Kafka clients: kcat and librdkafka
// (security.protocol=ssl), client certificates when the broker requires them, and a plaintext
// client refused while TLS clients go on being served.
#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <memory>
#include <sstream>

#include "tests/tls/tls_broker.h"

using cairn::testing::command_result;
using cairn::testing::test_pki;
using cairn::testing::tls_broker;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

struct rdkafka_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rdkafka_ptr = std::unique_ptr<rd_kafka_t, rdkafka_deleter>;

// A librdkafka producer over SSL; with `client_cert`, it shows the PKI's client certificate.
rdkafka_ptr ssl_producer(const tls_broker& b, bool client_cert) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> settings = {
      {"bootstrap.servers", b.kafka_address()},
      {"security.protocol", "ssl"},
      {"ssl.ca.location", b.pki_.ca.cert},
      {"socket.timeout.ms", "5000"},
      {"message.timeout.ms", "10000"}};
  if (client_cert) {
    settings.push_back({"ssl.certificate.location", b.pki_.client.cert});
    settings.push_back({"ssl.key.location", b.pki_.client.key});
  }
  char err[512];
  for (const auto& [name, value] : settings) {
    INFO(name << "=" << value);
    REQUIRE(rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) ==
            RD_KAFKA_CONF_OK);
  }
  rdkafka_ptr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
  INFO(err);
  REQUIRE(rk);
  return rk;
}

// Produces `count` records to `topic` and waits for them: the error of the first that failed.
rd_kafka_resp_err_t produce_all(rd_kafka_t* rk, const std::string& topic, int count) {
  for (int i = 0; i < count; ++i) {
    std::string value = "tls-" + std::to_string(i);
    auto err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return err;
  }
  return rd_kafka_flush(rk, 20'000);
}

}  // namespace

TEST_CASE("kcat produces and consumes through the TLS Kafka listener") {
  test_pki pki;
  tls_broker b(pki);
  b.create_topic("orders", 2);
  std::string input;
  for (int i = 0; i < 20; ++i)
    input += "k" + std::to_string(i) + ":v" + std::to_string(i) + "\n";
  auto produced = b.kcat({"-P", "-t", "orders", "-K:"}, input);
  INFO(produced.err);
  REQUIRE(produced.exit_code == 0);
  auto consumed = b.kcat({"-C", "-t", "orders", "-o", "beginning", "-e", "-f", "%k=%s\\n"});
  INFO(consumed.err);
  REQUIRE(consumed.exit_code == 0);
  auto lines = lines_of(consumed.out);
  CHECK(lines.size() == 20);
  CHECK(std::find(lines.begin(), lines.end(), "k7=v7") != lines.end());

  SECTION("and the records read back through the native listener over TLS") {
    auto native = b.cli({"consume", "orders", "-n", "20", "--timeout-ms", "5000"});
    INFO(native.err);
    REQUIRE(native.exit_code == 0);
    CHECK(lines_of(native.out).size() == 20);
  }
}

TEST_CASE("a plaintext Kafka client is refused and the broker keeps serving TLS clients") {
  test_pki pki;
  tls_broker b(pki);
  b.create_topic("t", 1);
  auto plain = cairn::testing::run_command({"kcat", "-b", b.kafka_address(), "-L", "-m", "3"}, "",
                                           std::chrono::seconds(30));
  CHECK(plain.exit_code != 0);
  auto listed = b.kcat({"-L"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("topic \"t\" with 1 partitions"));
  // Metadata still names the same address (TLS changes nothing of what is advertised).
  CHECK_THAT(listed.out, Catch::Contains("broker 1 at " + b.kafka_address()));
}

TEST_CASE("librdkafka over SSL with required client auth: with a certificate it produces") {
  test_pki pki;
  tls_broker b(pki, {"--tls-ca", pki.ca.cert, "--tls-client-auth", "required"});
  b.create_topic("payments", 1, /*client_cert=*/true);

  auto with_cert = ssl_producer(b, true);
  CHECK(produce_all(with_cert.get(), "payments", 10) == RD_KAFKA_RESP_ERR_NO_ERROR);
  auto consumed = b.cli({"consume", "payments", "-n", "10", "--timeout-ms", "5000"}, {}, true);
  INFO(consumed.err);
  REQUIRE(consumed.exit_code == 0);
  CHECK(lines_of(consumed.out).size() == 10);

  SECTION("and without one it is refused") {
    auto without = ssl_producer(b, false);
    const rd_kafka_metadata_t* metadata = nullptr;
    auto err = rd_kafka_metadata(without.get(), 1, nullptr, &metadata, 5'000);
    if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
    CHECK(err != RD_KAFKA_RESP_ERR_NO_ERROR);
    // The CLI without a client certificate is refused the same way.
    auto cli = b.cli({"topic", "list"});
    CHECK(cli.exit_code != 0);
    CHECK_THAT(cli.err, Catch::Contains("TLS handshake failed"));
  }
}
