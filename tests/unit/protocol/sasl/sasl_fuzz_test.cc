// A seeded storm of random and mutated messages against every parser and both state machines:
// each must be refused or accepted without crashing (run under ASan+UBSan too), and where the
// message is signed, nothing but the original may be accepted.
// Replay a failure with the printed seed: sasl_test "[fuzz]" --rng-seed SEED.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/plain.h"
#include "sasl_test_util.h"

using namespace cairn::sasl;
namespace rfc = cairn::sasl::testing::rfc7677;
using cairn::sasl::testing::credential_store;

namespace {

// Characters that matter to the grammar, then anything.
using namespace std::string_view_literals;
// A NUL inside: the sv literal keeps it.
constexpr std::string_view interesting = ",=anrcpsivmey2C3D+/\0\xff\xc3\x80"sv;

class mutator {
 public:
  explicit mutator(std::uint64_t seed) : prng_(seed) {}

  std::size_t below(std::size_t n) { return n == 0 ? 0 : prng_() % n; }

  char any_char() {
    if (below(2) == 0) return interesting[below(interesting.size())];
    return static_cast<char>(below(256));
  }

  std::string random_message() {
    std::string out;
    const std::size_t size = below(4) == 0 ? below(5000) : below(120);
    for (std::size_t i = 0; i < size; ++i)
      out += any_char();
    return out;
  }

  // One to four edits of a valid message.
  std::string mutate(std::string message) {
    const std::size_t edits = 1 + below(4);
    for (std::size_t e = 0; e < edits; ++e) {
      const std::size_t at = below(message.size() + 1);
      switch (below(7)) {
        case 0:  // replace a byte
          if (at < message.size()) message[at] = any_char();
          break;
        case 1:  // insert a byte
          message.insert(message.begin() + static_cast<std::ptrdiff_t>(at), any_char());
          break;
        case 2:  // delete a range
          message.erase(at, below(8) + 1);
          break;
        case 3:  // truncate
          message.resize(at);
          break;
        case 4: {  // duplicate a range
          const std::string part = message.substr(at, below(16) + 1);
          message.insert(at, part);
          break;
        }
        case 5:  // flip a bit
          if (at < message.size()) message[at] ^= static_cast<char>(1 << below(8));
          break;
        default:  // grow past the limits
          message.insert(at, std::string(below(2) == 0 ? 300 : 5000, any_char()));
          break;
      }
    }
    return message;
  }

  std::string next(const std::string& valid) {
    return below(5) == 0 ? random_message() : mutate(valid);
  }

 private:
  std::mt19937_64 prng_;
};

std::uint64_t seed() {
  return Catch::rngSeed() == 0 ? 20261207 : Catch::rngSeed();
}

}  // namespace

TEST_CASE("fuzz: the server's client-first and client-final", "[sasl][fuzz]") {
  INFO("seed " << seed());
  mutator m(seed());
  credential_store store;
  store.users.emplace("user", testing::rfc7677_credential());
  const std::string first(rfc::client_first);
  const std::string final_message(rfc::client_final);
  int accepted_first = 0;
  for (int i = 0; i < 3000; ++i) {
    scram_server server = testing::rfc7677_server(store);
    if (server.on_client_first(m.next(first))) ++accepted_first;
  }
  CHECK(accepted_first > 0);  // some mutations (a longer nonce, a new extension) stay valid
  for (int i = 0; i < 3000; ++i) {
    scram_server server = testing::rfc7677_server(store);
    REQUIRE(server.on_client_first(first));
    const std::string mutated = m.next(final_message);
    auto answer = server.on_client_final(mutated);
    // The proof signs every byte before it, and base64 has one spelling: only the original
    // passes.
    if (answer) CHECK(mutated == final_message);
    CHECK(server.authenticated() == static_cast<bool>(answer));
  }
}

TEST_CASE("fuzz: the client's server-first and server-final", "[sasl][fuzz]") {
  INFO("seed " << seed());
  mutator m(seed() + 1);
  const std::string first(rfc::server_first);
  const std::string final_message(rfc::server_final);
  // Each accepted server-first costs a PBKDF2 run: fewer rounds here.
  for (int i = 0; i < 600; ++i) {
    auto client = scram_client::create(mechanism::scram_sha_256, "user", "pencil");
    REQUIRE(client);
    client.value().use_fixed_nonce_for_testing(std::string(rfc::client_nonce));
    REQUIRE(client.value().client_first());
    (void)client.value().on_server_first(m.next(first));
  }
  for (int i = 0; i < 300; ++i) {
    auto client = scram_client::create(mechanism::scram_sha_256, "user", "pencil");
    REQUIRE(client);
    client.value().use_fixed_nonce_for_testing(std::string(rfc::client_nonce));
    REQUIRE(client.value().client_first());
    REQUIRE(client.value().on_server_first(first));
    const std::string mutated = m.next(final_message);
    auto verified = client.value().on_server_final(mutated);
    // Only the real signature passes (extensions after it aside).
    if (verified) CHECK(mutated.starts_with(final_message));
  }
}

TEST_CASE("fuzz: PLAIN, credential text and base64 parsers", "[sasl][fuzz]") {
  INFO("seed " << seed());
  mutator m(seed() + 2);
  using namespace std::string_literals;
  const std::string plain = "\0alice\0secret"s;
  const std::string credential = to_text(testing::rfc7677_credential());
  const std::string b64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
  for (int i = 0; i < 5000; ++i) {
    auto p = parse_plain(m.next(plain));
    if (p) {
      CHECK_FALSE(p.value().username.empty());
      CHECK_FALSE(p.value().password.empty());
    }
    auto c = parse_scram_credential(m.next(credential));
    if (c) CHECK(validate(c.value()));
    const std::string text = m.next(b64);
    auto d = base64_decode(text);
    if (d) CHECK(base64_encode(d.value()) == text);
  }
}
