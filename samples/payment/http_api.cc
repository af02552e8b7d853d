#include "samples/payment/http_api.h"

#include <cstdio>
#include <mutex>
#include <random>

#include "samples/common/service.h"
#include "samples/payment/read_model.h"
#include "samples/payment/views.h"
#include "cairn/errc.h"

namespace samples::payment {
namespace {

using samples::http::json_body;
using samples::http::request;
using samples::http::response;
using samples::http::status;
using samples::http::verb;

constexpr std::int64_t kAmountCentsMax = 1'000'000'000'000;  // 10 billion: no overflow in sums
constexpr std::size_t kIdBytesMax = 64;
constexpr std::size_t kOwnerBytesMax = 200;

// A fresh id for a POST without one: a prefix and 64 random bits in hex.
std::string new_id(std::string_view prefix) {
  static std::mutex mu;
  static std::mt19937_64 prng{std::random_device{}()};
  std::uint64_t bits = 0;
  {
    std::lock_guard lock(mu);
    bits = prng();
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
  return std::string(prefix) + hex;
}

response bad_id(std::string_view what) {
  return samples::http::error(status::bad_request, "bad_request",
                              std::string(what) + " must be 1 to 64 of A-Z a-z 0-9 . _ : -");
}

// A desk error as an answer: refusals are the client's business (404 for an unknown id, 409
// otherwise), a broker we cannot reach is 503 (retry later), anything else a 500.
response answer_error(const std::error_code& ec) {
  if (ec == account_refusal::not_open) {
    return samples::http::error(status::not_found, "account_not_found", ec.message());
  }
  if (ec == payment_refusal::not_found) {
    return samples::http::error(status::not_found, "payment_not_found", ec.message());
  }
  if (is_refusal(ec))
    return samples::http::error(status::conflict, refusal_name_of(ec), ec.message());
  if (cairn::sdk::is_retriable(ec)) {
    return samples::http::error(status::service_unavailable, "unavailable",
                                "the broker cannot be reached: " + ec.message());
  }
  std::fprintf(stderr, "payment-service: request failed: %s\n", ec.message().c_str());
  return samples::http::error(status::internal_server_error, "internal", ec.message());
}

response account_answer(status code, const std::string& id,
                        const cairn::result<account_outcome>& outcome) {
  if (!outcome) return answer_error(outcome.error());
  return {code, to_json(view_of(id, outcome.value().state))};
}

response payment_answer(status code, const std::string& id,
                        const cairn::result<payment_outcome>& outcome) {
  if (!outcome) return answer_error(outcome.error());
  return {code, to_json(view_of(id, outcome.value().state))};
}

// A body that may be empty (close, capture, void take no fields but an optional commandId).
std::variant<json_body, response> optional_body(const request& r) {
  if (r.body.empty()) {
    request empty = r;
    empty.body = "{}";
    return json_body::parse(empty);
  }
  return json_body::parse(r);
}

// The optional "commandId" of a body, checked like an id.
std::optional<response> read_command_id(json_body& b, std::string& out) {
  auto id = b.optional_text("commandId", kIdBytesMax);
  if (id && !valid_id(*id)) return bad_id("\"commandId\"");
  out = id.value_or("");
  return std::nullopt;
}

// The body of a deposit, withdrawal or refund: {"amountCents", "commandId"?}.
struct money_move_body {
  std::int64_t cents = 0;
  std::string command_id;
};
std::variant<money_move_body, response> read_money_move(const request& req) {
  auto parsed = json_body::parse(req);
  if (auto* bad = std::get_if<response>(&parsed)) return *bad;
  auto& b = std::get<json_body>(parsed);
  auto cents = b.integer("amountCents", 1, kAmountCentsMax);
  money_move_body out;
  if (auto bad = read_command_id(b, out.command_id)) return *bad;
  if (auto bad = b.error()) return *bad;
  out.cents = *cents;
  return out;
}

}  // namespace

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kIdBytesMax) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

samples::http::router make_routes(const http_api_context& ctx) {
  samples::http::router r;

  r.add(verb::get, "/health", [](const request&) -> response {
    return {status::ok, boost::json::object{{"status", "ok"}}};
  });

  // --- accounts ----------------------------------------------------------------------------------
  r.add(verb::post, "/accounts", [&ctx](const request& req) -> response {
    auto parsed = json_body::parse(req);
    if (auto* bad = std::get_if<response>(&parsed)) return *bad;
    auto& b = std::get<json_body>(parsed);
    auto id = b.optional_text("id", kIdBytesMax);
    auto owner = b.text("owner", kOwnerBytesMax);
    std::string command_id;
    if (auto bad = read_command_id(b, command_id)) return *bad;
    if (auto bad = b.error()) return *bad;
    if (id && !valid_id(*id)) return bad_id("\"id\"");
    const std::string account_id = id.value_or(new_id("acc-"));
    return account_answer(status::created, account_id,
                          ctx.desk.open_account(account_id, *owner, command_id));
  });

  auto money_move = [&ctx](bool is_deposit) {
    return [&ctx, is_deposit](const request& req) -> response {
      const std::string& id = req.params.at("id");
      if (!valid_id(id)) return bad_id("the account id");
      auto move = read_money_move(req);
      if (auto* bad = std::get_if<response>(&move)) return *bad;
      const auto& [cents, command_id] = std::get<money_move_body>(move);
      return account_answer(status::ok, id,
                            is_deposit ? ctx.desk.deposit(id, cents, command_id)
                                       : ctx.desk.withdraw(id, cents, command_id));
    };
  };
  r.add(verb::post, "/accounts/{id}/deposits", money_move(true));
  r.add(verb::post, "/accounts/{id}/withdrawals", money_move(false));

  r.add(verb::post, "/accounts/{id}/close", [&ctx](const request& req) -> response {
    const std::string& id = req.params.at("id");
    if (!valid_id(id)) return bad_id("the account id");
    auto parsed = optional_body(req);
    if (auto* bad = std::get_if<response>(&parsed)) return *bad;
    auto& b = std::get<json_body>(parsed);
    std::string command_id;
    if (auto bad = read_command_id(b, command_id)) return *bad;
    if (auto bad = b.error()) return *bad;
    return account_answer(status::ok, id, ctx.desk.close(id, command_id));
  });

  r.add(verb::get, "/accounts/{id}", [&ctx](const request& req) -> response {
    const std::string& id = req.params.at("id");
    auto found = find_account(ctx.model, id);
    if (!found) return answer_error(found.error());
    if (!found.value()) {
      return samples::http::error(status::not_found, "account_not_found", "no such account");
    }
    return {status::ok, to_json(*found.value())};
  });

  // --- payments ----------------------------------------------------------------------------------
  r.add(verb::post, "/payments", [&ctx](const request& req) -> response {
    auto parsed = json_body::parse(req);
    if (auto* bad = std::get_if<response>(&parsed)) return *bad;
    auto& b = std::get<json_body>(parsed);
    auto id = b.optional_text("id", kIdBytesMax);
    auto account_id = b.text("accountId", kIdBytesMax);
    auto cents = b.integer("amountCents", 1, kAmountCentsMax);
    auto reference = b.optional_text("reference", kOwnerBytesMax);
    std::string command_id;
    if (auto bad = read_command_id(b, command_id)) return *bad;
    if (auto bad = b.error()) return *bad;
    if (id && !valid_id(*id)) return bad_id("\"id\"");
    if (!valid_id(*account_id)) return bad_id("\"accountId\"");
    // The payment id is what makes an authorization happen once: a client retrying with a
    // commandId but no id gets the payment its first attempt created.
    std::string payment_id;
    if (id) {
      payment_id = *id;
    } else if (!command_id.empty() && command_id.size() + 4 <= kIdBytesMax) {
      payment_id = "pay-" + command_id;
    } else {
      payment_id = new_id("pay-");
    }
    return payment_answer(
        status::created, payment_id,
        ctx.desk.authorize(payment_id, *account_id, *cents, reference.value_or("")));
  });

  auto settle = [&ctx](bool is_capture) {
    return [&ctx, is_capture](const request& req) -> response {
      const std::string& id = req.params.at("id");
      if (!valid_id(id)) return bad_id("the payment id");
      auto parsed = optional_body(req);  // no fields: a commandId is accepted and not needed
      if (auto* bad = std::get_if<response>(&parsed)) return *bad;
      return payment_answer(status::ok, id,
                            is_capture ? ctx.desk.capture(id) : ctx.desk.void_payment(id));
    };
  };
  r.add(verb::post, "/payments/{id}/capture", settle(true));
  r.add(verb::post, "/payments/{id}/void", settle(false));

  r.add(verb::post, "/payments/{id}/refund", [&ctx](const request& req) -> response {
    const std::string& id = req.params.at("id");
    if (!valid_id(id)) return bad_id("the payment id");
    auto move = read_money_move(req);
    if (auto* bad = std::get_if<response>(&move)) return *bad;
    const auto& [cents, command_id] = std::get<money_move_body>(move);
    return payment_answer(status::ok, id, ctx.desk.refund(id, cents, command_id));
  });

  r.add(verb::get, "/payments/{id}", [&ctx](const request& req) -> response {
    const std::string& id = req.params.at("id");
    auto found = find_payment(ctx.model, id);
    if (!found) return answer_error(found.error());
    if (!found.value()) {
      return samples::http::error(status::not_found, "payment_not_found", "no such payment");
    }
    return {status::ok, to_json(*found.value())};
  });

  // --- the read model ----------------------------------------------------------------------------
  r.add(verb::get, "/model", [&ctx](const request&) -> response {
    auto checksum = samples::model_checksum(ctx.model);
    if (!checksum) return answer_error(checksum.error());
    auto lag = samples::model_lag(ctx.client, ctx.model, ctx.model_partitions);
    if (!lag) return answer_error(lag.error());
    return {status::ok, boost::json::object{{"checksum", checksum.value()}, {"lag", lag.value()}}};
  });

  return r;
}

}  // namespace samples::payment
