#include "samples/payment/read_model.h"

#include <cstdio>

#include "cairn/es/envelope.h"
#include "cairn/es/overloaded.h"
#include "samples/common/service.h"

namespace samples::payment {

using cairn::es::overloaded;

namespace {

// The model's databases, as declared in open_read_model.
constexpr std::string_view kAccountsDb = "accounts";
constexpr std::string_view kPaymentsDb = "payments";

void skip(const cairn::consumer_record& r, const std::string& why) {
  std::fprintf(stderr, "payment-service: read model skips %s/%d@%lld: %s\n", r.topic.c_str(),
               r.partition, static_cast<long long>(r.offset), why.c_str());
}

cairn::result<void> apply_account(const cairn::es::event_registry<account_event>& registry,
                                  cairn::es::projection_txn& model,
                                  const cairn::consumer_record& record, const std::string& id,
                                  const std::string& type) {
  auto event = registry.decode(type, record.value.value_or(""));
  if (!event) {
    skip(record, event.error().message());
    return cairn::success();
  }
  CAIRN_TRY(auto stored, model.db(kAccountsDb).get(id));
  account_view a;
  if (stored) a = account_from_json(*stored).value_or(account_view{});
  a.id = id;
  std::visit(overloaded{[&](const account_opened& o) {
                          a.owner = o.owner;
                          a.status = "open";
                        },
                        [&](const money_deposited& d) { a.balance_cents += d.amount_cents; },
                        [&](const money_withdrawn& w) { a.balance_cents -= w.amount_cents; },
                        [&](const funds_held& h) { a.held_cents += h.amount_cents; },
                        [&](const hold_released& r) { a.held_cents -= r.amount_cents; },
                        [&](const hold_captured& c) {
                          a.held_cents -= c.amount_cents;
                          a.balance_cents -= c.amount_cents;
                        },
                        [&](const money_refunded& r) { a.balance_cents += r.amount_cents; },
                        [&](const account_closed&) { a.status = "closed"; }},
             event.value());
  return model.db(kAccountsDb).put(id, boost::json::serialize(to_json(a)));
}

cairn::result<void> apply_payment(const cairn::es::event_registry<payment_event>& registry,
                                  cairn::es::projection_txn& model,
                                  const cairn::consumer_record& record, const std::string& id,
                                  const std::string& type) {
  auto event = registry.decode(type, record.value.value_or(""));
  if (!event) {
    skip(record, event.error().message());
    return cairn::success();
  }
  CAIRN_TRY(auto stored, model.db(kPaymentsDb).get(id));
  payment_view p;
  if (stored) p = payment_from_json(*stored).value_or(payment_view{});
  p.id = id;
  using namespace samples::contracts;
  std::visit(overloaded{[&](const payment_authorized& a) {
                          p.status = "authorized";
                          p.account_id = a.account_id;
                          p.amount_cents = a.amount_cents;
                          p.reference = a.reference;
                        },
                        [&](const payment_declined& d) {
                          p.status = "declined";
                          p.account_id = d.account_id;
                          p.amount_cents = d.amount_cents;
                          p.reference = d.reference;
                          p.reason = d.reason;
                        },
                        [&](const payment_captured& c) {
                          p.status = "captured";
                          p.captured_cents = c.amount_cents;
                        },
                        [&](const payment_voided&) { p.status = "voided"; },
                        [&](const payment_refunded& r) {
                          p.status = "refunded";
                          p.refunded_cents += r.amount_cents;
                        }},
             event.value());
  return model.db(kPaymentsDb).put(id, boost::json::serialize(to_json(p)));
}

}  // namespace

cairn::result<std::vector<cairn::topic_partition>> read_model_partitions(cairn::client& client) {
  return samples::partitions_of(client, {kAccountsTopic, contracts::kPaymentsTopic});
}

cairn::result<std::unique_ptr<cairn::es::projection>> open_read_model(
    const std::filesystem::path& dir, std::vector<cairn::topic_partition> partitions,
    const read_model_registries& registries) {
  cairn::es::projection_options options{
      .dir = dir, .dbs = {"accounts", "payments"}, .partitions = std::move(partitions)};
  return cairn::es::projection::open(
      std::move(options),
      [&registries](cairn::es::projection_txn& t, const cairn::consumer_record& record) {
        return apply_to_read_model(registries, t, record);
      });
}

cairn::result<void> apply_to_read_model(const read_model_registries& registries,
                                        cairn::es::projection_txn& model,
                                        const cairn::consumer_record& record) {
  if (!record.key || record.key->empty()) {
    skip(record, "no key (not an event of a stream)");
    return cairn::success();
  }
  const std::string type = cairn::es::envelope_of(record).type;
  if (record.topic == kAccountsTopic) {
    return apply_account(registries.accounts, model, record, *record.key, type);
  }
  if (record.topic == contracts::kPaymentsTopic) {
    return apply_payment(registries.payments, model, record, *record.key, type);
  }
  skip(record, "not a topic of the model");
  return cairn::success();
}

cairn::result<std::optional<account_view>> find_account(const cairn::es::projection& model,
                                                        const std::string& id) {
  return model.query<std::optional<account_view>>(
      [&](cairn::es::projection_txn& t) -> cairn::result<std::optional<account_view>> {
        CAIRN_TRY(auto stored, t.db(kAccountsDb).get(id));
        if (!stored) return std::optional<account_view>{};
        return account_from_json(*stored);
      });
}

cairn::result<std::optional<payment_view>> find_payment(const cairn::es::projection& model,
                                                        const std::string& id) {
  return model.query<std::optional<payment_view>>(
      [&](cairn::es::projection_txn& t) -> cairn::result<std::optional<payment_view>> {
        CAIRN_TRY(auto stored, t.db(kPaymentsDb).get(id));
        if (!stored) return std::optional<payment_view>{};
        return payment_from_json(*stored);
      });
}

}  // namespace samples::payment
