// The native listener over TLS: the SDK and the `cairn` CLI produce and consume; a wrong CA, an
// expired certificate and a wrong host name are refused with their own errors; plaintext and
// silent clients are cut off while TLS clients are served; SIGHUP swaps the certificate for new
// connections and keeps established ones; bad TLS files stop the broker at startup.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "cairn/client.h"
#include "cairn/errc.h"
#include "tests/tls/tls_broker.h"

using cairn::testing::run_command;
using cairn::testing::test_pki;
using cairn::testing::tls_broker;
namespace errc = cairn::sdk;

namespace {

// An SDK client of `address` with `tls`; fails the test if it cannot be created.
std::unique_ptr<cairn::client> sdk_client(const std::string& address, cairn::tls_options tls) {
  auto c = cairn::client::create({.bootstrap = {address},
                                  .client_id = "tls-test",
                                  .connect_timeout_ms = 5'000,
                                  .request_timeout_ms = 10'000,
                                  .tls = std::move(tls)});
  REQUIRE(c);
  return std::move(c).value();
}

// A raw TCP connection to 127.0.0.1:port (-1 when it cannot connect).
int tcp_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the peer closes `fd` (read returns 0 or an error) within `timeout`.
bool closed_within(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    if (::read(fd, buf, sizeof buf) <= 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the cairn CLI and the SDK produce and consume over TLS on the native listener") {
  test_pki pki;
  tls_broker b(pki);
  b.create_topic("events", 3);
  auto produced = b.cli({"produce", "events", "-k", "order-1"}, "a\nb\nc\n");
  INFO(produced.err);
  REQUIRE(produced.exit_code == 0);
  auto consumed = b.cli({"consume", "events", "-n", "3", "--timeout-ms", "5000"});
  INFO(consumed.err);
  REQUIRE(consumed.exit_code == 0);
  CHECK(consumed.out == "a\nb\nc\n");

  // The SDK dials by name too: the certificate names localhost as well as 127.0.0.1.
  auto c = sdk_client("localhost:" + std::to_string(b.broker.port()), {.ca_file = pki.ca.cert});
  auto metadata = c->metadata();
  INFO((metadata.has_error() ? metadata.error().message() : std::string()));
  REQUIRE(metadata);
  auto count = c->partition_count("events");
  REQUIRE(count);
  CHECK(count.value() == 3);
}

TEST_CASE("a broker certificate from another CA, an expired one or for another host is refused") {
  test_pki pki;
  SECTION("another CA") {
    tls_broker b(pki, {}, &pki.other_server);
    auto c = sdk_client(b.native_address(), {.ca_file = pki.ca.cert});
    auto m = c->metadata();
    REQUIRE_FALSE(m);
    CHECK(m.error() == errc::errc::tls_untrusted);
    auto cli = b.cli({"topic", "list"});
    CHECK(cli.exit_code == 1);
    CHECK_THAT(cli.err, Catch::Contains("not signed by the CA given"));
  }
  SECTION("expired") {
    tls_broker b(pki, {}, &pki.expired);
    auto c = sdk_client(b.native_address(), {.ca_file = pki.ca.cert});
    auto m = c->metadata();
    REQUIRE_FALSE(m);
    CHECK(m.error() == errc::errc::tls_expired);
  }
  SECTION("another host name") {
    tls_broker b(pki, {}, &pki.wrong_host);
    auto c = sdk_client(b.native_address(), {.ca_file = pki.ca.cert});
    auto m = c->metadata();
    REQUIRE_FALSE(m);
    CHECK(m.error() == errc::errc::tls_wrong_host);
    // With the host check turned off, the chain alone is verified and the client gets in.
    auto lax = sdk_client(b.native_address(), {.ca_file = pki.ca.cert, .verify_hostname = false});
    CHECK(lax->metadata());
  }
  SECTION("an unreadable CA file is the client's own error") {
    auto c = cairn::client::create(
        {.bootstrap = {"127.0.0.1:1"}, .tls = cairn::tls_options{.ca_file = pki.path("none")}});
    REQUIRE_FALSE(c);
    CHECK(c.error() == errc::errc::tls_bad_file);
  }
}

TEST_CASE("plaintext and silent clients are cut off while a TLS client is served") {
  test_pki pki;
  tls_broker b(pki, {"--tls-handshake-timeout-ms", "500"});
  auto c = sdk_client(b.native_address(), {.ca_file = pki.ca.cert});
  REQUIRE(c->metadata());

  SECTION("a plaintext client's bytes end its connection") {
    for (int i = 0; i < 20; ++i) {
      int fd = tcp_connect(b.broker.port());
      REQUIRE(fd >= 0);
      const char hello[] = "\x00\x00\x00\x10plaintext hello!";
      CHECK(::write(fd, hello, sizeof hello - 1) > 0);
      CHECK(closed_within(fd, std::chrono::seconds(5)));
      ::close(fd);
    }
    // The plaintext SDK client cannot get in either.
    auto plain = cairn::client::create({.bootstrap = {b.native_address()},
                                        .connect_timeout_ms = 2'000,
                                        .request_timeout_ms = 3'000});
    REQUIRE(plain);
    CHECK_FALSE(plain.value()->metadata());
  }
  SECTION("a client that never speaks is closed at the handshake timeout") {
    int fd = tcp_connect(b.broker.kafka_port());
    REQUIRE(fd >= 0);
    const auto started = std::chrono::steady_clock::now();
    CHECK(closed_within(fd, std::chrono::seconds(5)));
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(400));
    ::close(fd);
  }
  // The TLS client's connection, established before, still works.
  CHECK(c->metadata());
  b.create_topic("after", 1);
}

TEST_CASE("SIGHUP re-reads the certificate: new connections see it, established ones go on") {
  test_pki pki;
  // The broker reads its certificate from files the test then replaces.
  const std::string cert = pki.path("live.pem"), key = pki.path("live.key");
  std::filesystem::copy_file(pki.server.cert, cert);
  std::filesystem::copy_file(pki.server.key, key);
  cairn::testing::cert_files live{cert, key};
  tls_broker b(pki, {}, &live);
  CHECK(cairn::testing::served_serial(b.broker.port(), pki.ca.cert) == "serial=0101\n");

  auto established = sdk_client(b.native_address(), {.ca_file = pki.ca.cert});
  REQUIRE(established->metadata());

  auto next = pki.server_cert("next", 0x202);
  std::filesystem::copy_file(next.cert, cert, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(next.key, key, std::filesystem::copy_options::overwrite_existing);
  ::kill(b.broker.pid(), SIGHUP);
  std::string serial;
  for (int i = 0; i < 50 && serial != "serial=0202\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    serial = cairn::testing::served_serial(b.broker.port(), pki.ca.cert);
  }
  CHECK(serial == "serial=0202\n");
  CHECK(cairn::testing::served_serial(b.broker.kafka_port(), pki.ca.cert) == "serial=0202\n");
  // The connection made before the reload was not dropped.
  CHECK(established->metadata());

  SECTION("a bad new file keeps the old certificate in use") {
    {
      std::ofstream garbage(cert, std::ios::trunc);
      garbage << "not a certificate\n";
    }
    ::kill(b.broker.pid(), SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(cairn::testing::served_serial(b.broker.port(), pki.ca.cert) == "serial=0202\n");
    CHECK(established->metadata());
    b.create_topic("still-serving", 1);
  }
}

TEST_CASE("bad TLS files stop the broker at startup with an error naming the file") {
  test_pki pki;
  cairn::testing::temp_dir data;
  auto start = [&](std::vector<std::string> tls) {
    std::vector<std::string> args = {CAIRN_BROKER_PATH, "--data-dir",     data.path().string(),
                                     "--listen",        "127.0.0.1:0",    "--http",
                                     "127.0.0.1:0",     "--kafka-listen", "127.0.0.1:0"};
    args.insert(args.end(), tls.begin(), tls.end());
    return run_command(std::move(args), "", std::chrono::seconds(30));
  };
  const std::string missing = pki.path("missing.pem");
  auto no_cert = start({"--tls-cert", missing, "--tls-key", pki.server.key});
  CHECK(no_cert.exit_code != 0);
  CHECK_THAT(no_cert.err, Catch::Contains(missing));

  auto key_as_cert = start({"--tls-cert", pki.server.key, "--tls-key", pki.server.key});
  CHECK(key_as_cert.exit_code != 0);
  CHECK_THAT(key_as_cert.err, Catch::Contains("--tls-cert " + pki.server.key));

  auto wrong_key = start({"--tls-cert", pki.server.cert, "--tls-key", pki.client.key});
  CHECK(wrong_key.exit_code != 0);
  CHECK_THAT(wrong_key.err, Catch::Contains("does not match"));

  auto no_ca = start({"--tls-cert", pki.server.cert, "--tls-key", pki.server.key,
                      "--tls-client-auth", "required"});
  CHECK(no_ca.exit_code != 0);
  CHECK_THAT(no_ca.err, Catch::Contains("needs --tls-ca"));
}
