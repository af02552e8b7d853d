// An independent implementation checks ours: python3's hashlib.pbkdf2_hmac and hmac compute
// RFC 5802's SaltedPassword, keys, ClientProof and ServerSignature for random salts, passwords
// and nonces, and must agree with what our client sent and our server answered. Skipped (with
// a warning) where Debian's python3 is missing.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "sasl_test_util.h"

using namespace cairn::sasl;
using cairn::sasl::testing::credential_store;

namespace {

constexpr const char* python = "/usr/bin/python3";

// Reads argv: hash name, password hex, salt base64, iterations, AuthMessage hex. Prints the
// stored key, server key, client proof and server signature, base64, one a line.
constexpr std::string_view script = R"(import base64, hashlib, hmac, sys
name, password, salt, iterations, auth = sys.argv[1:6]
password = bytes.fromhex(password)
salt = base64.b64decode(salt, validate=True)
auth = bytes.fromhex(auth)
salted = hashlib.pbkdf2_hmac(name, password, salt, int(iterations))
client_key = hmac.new(salted, b"Client Key", name).digest()
stored_key = hashlib.new(name, client_key).digest()
server_key = hmac.new(salted, b"Server Key", name).digest()
signature = hmac.new(stored_key, auth, name).digest()
proof = bytes(a ^ b for a, b in zip(client_key, signature))
server_signature = hmac.new(server_key, auth, name).digest()
for v in (stored_key, server_key, proof, server_signature):
    print(base64.b64encode(v).decode())
)";

std::string hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 512> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    out += buffer.data();
  REQUIRE(::pclose(pipe) == 0);
  return out;
}

// The attribute `name=` of a SCRAM message, up to the next ','.
std::string attribute(std::string_view message, std::string_view name) {
  const std::string key = std::string(name) + "=";
  std::size_t at = message.starts_with(key) ? 0 : message.find("," + key);
  REQUIRE(at != std::string_view::npos);
  at = at == 0 ? key.size() : at + 1 + key.size();
  return std::string(message.substr(at, message.find(',', at) - at));
}

}  // namespace

TEST_CASE("python3's hashlib agrees with our SCRAM exchanges", "[sasl][scram][crosscheck]") {
  if (::access(python, X_OK) != 0) {
    WARN("no " << python << ": cross-check skipped");
    return;
  }
  const auto path = std::filesystem::temp_directory_path() /
                    ("cairn_sasl_crosscheck_" + std::to_string(::getpid()) + ".py");
  {
    std::ofstream out(path);
    out << script;
  }
  std::mt19937_64 prng(Catch::rngSeed());
  for (mechanism m : {mechanism::scram_sha_256, mechanism::scram_sha_512}) {
    for (int round = 0; round < 3; ++round) {
      std::string password;
      const std::size_t size = 1 + prng() % 40;
      for (std::size_t i = 0; i < size; ++i)
        password += static_cast<char>(0x21 + prng() % 94);
      const int iterations = scram_iterations_min + static_cast<int>(prng() % 2000);
      auto credential = make_scram_credential(m, password, iterations);
      REQUIRE(credential);
      credential_store store;
      store.users.emplace("user", credential.value());
      scram_server server(m, store.lookup());
      auto client = scram_client::create(m, "user", password);
      REQUIRE(client);
      const auto r = testing::run_exchange(client.value(), server);
      REQUIRE_FALSE(r.error);

      const std::string auth_message = r.client_first.substr(3) + "," + r.server_first + "," +
                                       r.client_final.substr(0, r.client_final.find(",p="));
      const std::string name = m == mechanism::scram_sha_256 ? "sha256" : "sha512";
      std::istringstream lines(run(std::string(python) + " " + path.string() + " " + name + " " +
                                   hex(password) + " " + base64_encode(credential.value().salt) +
                                   " " + std::to_string(iterations) + " " + hex(auth_message)));
      std::string stored_key, server_key, proof, server_signature;
      lines >> stored_key >> server_key >> proof >> server_signature;
      INFO(to_string(m) << " password " << password << " iterations " << iterations);
      CHECK(stored_key == base64_encode(credential.value().stored_key));
      CHECK(server_key == base64_encode(credential.value().server_key));
      CHECK(proof == attribute(r.client_final, "p"));
      CHECK(server_signature == attribute(r.server_final, "v"));
    }
  }
  std::filesystem::remove(path);
}
