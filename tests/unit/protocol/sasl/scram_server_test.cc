// The server against hostile or broken clients: every refusal with its reason, and nothing
// accepted that the RFC does not allow.
#include "protocol/sasl/scram_server.h"

#include <catch2/catch.hpp>
#include <string>

#include "protocol/sasl/errc.h"
#include "protocol/sasl/limits.h"
#include "sasl_test_util.h"

using namespace cairn::sasl;
namespace rfc = cairn::sasl::testing::rfc7677;
using cairn::sasl::testing::credential_store;

namespace {

credential_store rfc_store() {
  credential_store store;
  store.users.emplace("user", testing::rfc7677_credential());
  return store;
}

std::error_code client_first_error(std::string_view message) {
  const credential_store store = rfc_store();
  scram_server server = testing::rfc7677_server(store);
  auto answer = server.on_client_first(message);
  return answer ? std::error_code() : answer.error();
}

// The server's answer to `final_message` after RFC 7677's client-first.
std::error_code client_final_error(std::string_view final_message) {
  const credential_store store = rfc_store();
  scram_server server = testing::rfc7677_server(store);
  REQUIRE(server.on_client_first(rfc::client_first));
  auto answer = server.on_client_final(final_message);
  CHECK(server.authenticated() == static_cast<bool>(answer));
  return answer ? std::error_code() : answer.error();
}

const std::string full_nonce = std::string(rfc::client_nonce) + std::string(rfc::server_nonce);
const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

}  // namespace

TEST_CASE("client-first: gs2 headers", "[sasl][scram][server]") {
  CHECK_FALSE(client_first_error("n,,n=user,r=abc"));
  CHECK_FALSE(client_first_error("y,,n=user,r=abc"));
  CHECK_FALSE(client_first_error("n,a=user,n=user,r=abc"));
  CHECK(client_first_error("p=tls-unique,,n=user,r=abc") == errc::channel_binding_not_supported);
  CHECK(client_first_error("p=tls-server-end-point,,n=user,r=abc") ==
        errc::channel_binding_not_supported);
  CHECK(client_first_error("n,a=admin,n=user,r=abc") == errc::authzid_not_permitted);
  CHECK(client_first_error("x,,n=user,r=abc") == errc::malformed_message);
  CHECK(client_first_error("n,n=user,r=abc") == errc::malformed_message);
  CHECK(client_first_error("n,b=user,n=user,r=abc") == errc::malformed_message);
  CHECK(client_first_error("N,,n=user,r=abc") == errc::malformed_message);
  CHECK(client_first_error("n") == errc::malformed_message);
  CHECK(client_first_error("n,,") == errc::malformed_message);
  CHECK(client_first_error("") == errc::malformed_message);
}

TEST_CASE("client-first: attribute order and extensions", "[sasl][scram][server]") {
  CHECK(client_first_error("n,,r=abc,n=user") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=abc,") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=abc,r=def") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=abc,p=def") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=abc,x") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=abc,1=x") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=abc,x=") == errc::malformed_message);
  CHECK(client_first_error("n,,m=ext,n=user,r=abc") == errc::mandatory_extension);
  CHECK(client_first_error("n,,n=user,r=abc,m=ext") == errc::mandatory_extension);
  CHECK(client_first_error("n,,n=user,r=a b") == errc::malformed_message);
  CHECK(client_first_error("n,,n=user,r=ab\x7f") == errc::malformed_message);

  // Kafka's delegation-token flag and other unknown extensions are kept aside and ignored.
  const credential_store store = rfc_store();
  scram_server server = testing::rfc7677_server(store);
  REQUIRE(server.on_client_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO,tokenauth=true,x=y=z"));
  REQUIRE(server.extensions().size() == 2);
  CHECK(server.extensions()[0] == std::pair<std::string, std::string>{"tokenauth", "true"});
  CHECK(server.extensions()[1] == std::pair<std::string, std::string>{"x", "y=z"});
  std::string many = "n,,n=user,r=abc";
  for (std::size_t i = 0; i <= extension_count_max; ++i)
    many += ",x=1";
  CHECK(client_first_error(many) == errc::message_too_large);
}

TEST_CASE("client-first: user name escapes", "[sasl][scram][server]") {
  credential_store store;
  store.users.emplace("a,b=c", testing::rfc7677_credential());
  scram_server server(mechanism::scram_sha_256, store.lookup());
  REQUIRE(server.on_client_first("n,,n=a=2Cb=3Dc,r=abc"));
  CHECK(server.username() == "a,b=c");

  for (std::string_view bad :
       {"n,,n=us=2cer,r=abc", "n,,n=us=3der,r=abc", "n,,n=us=er,r=abc", "n,,n=user=,r=abc",
        "n,,n=user=2,r=abc", "n,,n==,r=abc", "n,,n=us=41er,r=abc", "n,,n=\xff,r=abc",
        "n,,n=\xc0\xaf,r=abc", "n,,n=\xed\xa0\x80,r=abc", "n,a=us=er,n=user,r=abc"}) {
    INFO(bad);
    CHECK(client_first_error(bad) == errc::invalid_encoding);
  }
  CHECK(client_first_error(std::string_view("n,,n=u\0ser,r=abc", 16)) == errc::invalid_encoding);
  CHECK(client_first_error("n,,n=,r=abc") == errc::malformed_message);
  // An escaped name whose unescaped form is the user is the user.
  CHECK_FALSE(client_first_error("n,a=user,n=user,r=abc"));
}

TEST_CASE("client-first: an unknown user fails as a wrong password does", "[sasl][scram][server]") {
  CHECK(client_first_error("n,,n=nobody,r=abc") == errc::authentication_failed);
  CHECK(client_first_error("n,,n=User,r=abc") == errc::authentication_failed);
}

TEST_CASE("client-first: a corrupt stored credential is refused", "[sasl][scram][server]") {
  credential_store store;
  scram_credential broken = testing::rfc7677_credential();
  broken.stored_key.pop_back();
  store.users.emplace("user", broken);
  scram_server server(mechanism::scram_sha_256, store.lookup());
  CHECK(server.on_client_first(rfc::client_first).error() == errc::bad_credential);
}

TEST_CASE("client-first: size limits", "[sasl][scram][server]") {
  CHECK(client_first_error("n,,n=user,r=" + std::string(message_bytes_max, 'a')) ==
        errc::message_too_large);
  CHECK(client_first_error("n,,n=" + std::string(username_bytes_max + 1, 'u') + ",r=abc") ==
        errc::message_too_large);
  CHECK(client_first_error("n,,n=" + std::string(3 * username_bytes_max + 1, 'u') + ",r=abc") ==
        errc::message_too_large);
  // 120 escapes decode to 120 bytes: within the limit, though 360 bytes on the wire.
  std::string escaped;
  for (int i = 0; i < 120; ++i)
    escaped += "=2C";
  CHECK(client_first_error("n,,n=" + escaped + ",r=abc") == errc::authentication_failed);
  CHECK(client_first_error("n,,n=user,r=" + std::string(client_nonce_bytes_max + 1, 'a')) ==
        errc::message_too_large);
  CHECK_FALSE(client_first_error("n,,n=user,r=" + std::string(client_nonce_bytes_max, 'a')));
  CHECK(client_first_error("n,,n=user,r=abc,x=" + std::string(message_bytes_max, 'v')) ==
        errc::message_too_large);
}

TEST_CASE("client-final: a tampered proof fails", "[sasl][scram][server]") {
  CHECK_FALSE(client_final_error(rfc::client_final));
  std::string tampered(rfc::client_final);
  const std::size_t p = tampered.find(",p=") + 3;
  tampered[p] = tampered[p] == 'A' ? 'B' : 'A';
  CHECK(client_final_error(tampered) == errc::authentication_failed);
  CHECK(client_final_error("c=biws,r=" + full_nonce + ",p=AAAA") == errc::authentication_failed);
  CHECK(client_final_error("c=biws,r=" + full_nonce + ",p=" + std::string(44, 'A')) ==
        errc::authentication_failed);
  CHECK(client_final_error("c=biws,r=" + full_nonce + ",p=") == errc::malformed_message);
  CHECK(client_final_error("c=biws,r=" + full_nonce +
                           ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ") ==
        errc::invalid_encoding);
  // An extension slipped in before the proof changes what the proof signs.
  CHECK(client_final_error("c=biws,r=" + full_nonce + ",x=1," + proof) ==
        errc::authentication_failed);
}

TEST_CASE("client-final: a tampered nonce fails", "[sasl][scram][server]") {
  std::string other_server_part = full_nonce;
  other_server_part.back() = '1';
  CHECK(client_final_error("c=biws,r=" + other_server_part + "," + proof) == errc::nonce_mismatch);
  CHECK(client_final_error("c=biws,r=" + std::string(rfc::client_nonce) + "," + proof) ==
        errc::nonce_mismatch);
  CHECK(client_final_error("c=biws,r=" + full_nonce + "x," + proof) == errc::nonce_mismatch);
}

TEST_CASE("client-final: channel binding must repeat the gs2 header", "[sasl][scram][server]") {
  // eSws is "y,,"; biws is "n,,".
  CHECK(client_final_error("c=eSws,r=" + full_nonce + "," + proof) ==
        errc::channel_binding_mismatch);
  CHECK(client_final_error("c=,r=" + full_nonce + "," + proof) == errc::channel_binding_mismatch);
  CHECK(client_final_error("c=biw,r=" + full_nonce + "," + proof) == errc::invalid_encoding);
  CHECK(client_final_error("c=biws=,r=" + full_nonce + "," + proof) == errc::invalid_encoding);

  // The y flag is bound in the same way.
  const credential_store store = rfc_store();
  scram_server server = testing::rfc7677_server(store);
  REQUIRE(server.on_client_first("y,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
  CHECK(server.on_client_final(rfc::client_final).error() == errc::channel_binding_mismatch);
}

TEST_CASE("client-final: attribute order", "[sasl][scram][server]") {
  CHECK(client_final_error("r=" + full_nonce + ",c=biws," + proof) == errc::malformed_message);
  CHECK(client_final_error("c=biws," + proof + ",r=" + full_nonce) == errc::malformed_message);
  CHECK(client_final_error("c=biws,r=" + full_nonce) == errc::malformed_message);
  CHECK(client_final_error("c=biws,r=" + full_nonce + "," + proof + ",x=1") ==
        errc::malformed_message);
  CHECK(client_final_error("c=biws,r=" + full_nonce + "," + proof + "," + proof) ==
        errc::malformed_message);
  CHECK(client_final_error("c=biws,r=" + full_nonce + ",m=1," + proof) ==
        errc::mandatory_extension);
}

TEST_CASE("client-final: every truncation is refused", "[sasl][scram][server]") {
  const std::string_view final_message = rfc::client_final;
  for (std::size_t n = 0; n < final_message.size(); ++n) {
    INFO(n);
    CHECK(client_final_error(final_message.substr(0, n)));
  }
  CHECK(client_final_error(std::string(rfc::client_final) + std::string(message_bytes_max, 'A')) ==
        errc::message_too_large);
}

TEST_CASE("steps out of order are refused", "[sasl][scram][server]") {
  const credential_store store = rfc_store();
  scram_server server = testing::rfc7677_server(store);
  CHECK(server.on_client_final(rfc::client_final).error() == errc::out_of_order);
  // A failed step ends the exchange.
  scram_server failed = testing::rfc7677_server(store);
  CHECK(failed.on_client_first("garbage").error() == errc::malformed_message);
  CHECK(failed.on_client_first(rfc::client_first).error() == errc::out_of_order);
}
