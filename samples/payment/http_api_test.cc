// The HTTP API's answers that need no broker: input checks (400) reach no aggregate, and a broker
// that cannot be reached is a 503 the client may retry, not a 500.
#include "samples/payment/http_api.h"

#include <catch2/catch.hpp>

#include "samples/payment/read_model.h"
#include "tests/support/temp_dir.h"

using namespace samples::payment;
namespace http = samples::http;

namespace {

// The API over a client whose broker does not exist (nothing listens on port 1).
struct api_without_broker {
  cairn::testing::temp_dir dir;
  std::unique_ptr<cairn::client> client = cairn::client::create({.bootstrap = {"127.0.0.1:1"},
                                                                 .client_id = "http_api_test",
                                                                 .connect_timeout_ms = 200,
                                                                 .request_timeout_ms = 500})
                                              .value();
  read_model_registries registries;
  std::unique_ptr<cairn::es::projection> model =
      open_read_model(dir.path() / "read-model", {}, registries).value();
  cairn::es::repository<account> accounts{
      *client, registries.accounts, {.topic = std::string(kAccountsTopic)}};
  cairn::es::repository<payment_decider> payments{
      *client, registries.payments, {.topic = std::string(samples::contracts::kPaymentsTopic)}};
  payment_desk desk{accounts, payments};
  http_api_context context{.desk = desk, .model = *model, .client = *client};
  http::router routes = make_routes(context);

  http::response send(http::verb method, std::string path, std::string body = {}) {
    http::request r{.method = method, .path = std::move(path), .body = std::move(body)};
    return routes.handle(r);
  }
};

std::string error_of(const http::response& r) {
  const auto* o = r.body.if_object();
  if (o == nullptr || !o->contains("error")) return {};
  return std::string(o->at("error").as_string());
}

}  // namespace

TEST_CASE("payment http api: malformed or out-of-range input is a 400", "[payment]") {
  api_without_broker api;
  using http::verb;
  CHECK(api.send(verb::post, "/accounts/acc-1/deposits", "{not json").code ==
        http::status::bad_request);
  CHECK(api.send(verb::post, "/accounts/acc-1/deposits", "[1]").code == http::status::bad_request);
  CHECK(api.send(verb::post, "/accounts/acc-1/deposits", R"({"amountCents": 0})").code ==
        http::status::bad_request);
  CHECK(api.send(verb::post, "/accounts/acc-1/deposits", R"({"amountCents": "5"})").code ==
        http::status::bad_request);
  CHECK(api.send(verb::post, "/accounts/acc-1/withdrawals", R"({})").code ==
        http::status::bad_request);
  CHECK(api.send(verb::post, "/accounts", R"({"id": "acc-1"})").code ==
        http::status::bad_request);  // no owner
  CHECK(api.send(verb::post, "/accounts", R"({"id": "a b", "owner": "Ann"})").code ==
        http::status::bad_request);
  CHECK(api.send(verb::post, "/payments", R"({"accountId": "acc-1", "amountCents": -1})").code ==
        http::status::bad_request);
  CHECK(api.send(verb::post, "/payments/pay-1/refund", R"({"amountCents": 1, "commandId": 7})")
            .code == http::status::bad_request);
  CHECK(error_of(api.send(verb::post, "/accounts/acc-1/deposits", "{")) == "bad_request");
}

TEST_CASE("payment http api: an unreachable broker is a 503", "[payment]") {
  api_without_broker api;
  auto r = api.send(http::verb::post, "/accounts/acc-1/deposits", R"({"amountCents": 5})");
  CHECK(r.code == http::status::service_unavailable);
  CHECK(error_of(r) == "unavailable");
}

TEST_CASE("payment http api: unknown ids in the read model are a 404", "[payment]") {
  api_without_broker api;
  CHECK(api.send(http::verb::get, "/accounts/acc-1").code == http::status::not_found);
  CHECK(api.send(http::verb::get, "/payments/pay-1").code == http::status::not_found);
}

TEST_CASE("payment http api: ids are 1 to 64 of a safe alphabet", "[payment]") {
  CHECK(valid_id("acc-ann_1.x:2"));
  CHECK_FALSE(valid_id(""));
  CHECK_FALSE(valid_id("a/b"));
  CHECK_FALSE(valid_id("a b"));
  CHECK_FALSE(valid_id(std::string(65, 'a')));
  CHECK(valid_id(std::string(64, 'a')));
}
