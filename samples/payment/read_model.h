// The read model of payment-service: ONE cairn::es::projection in <data-dir>/read-model with two
// databases, fed from every partition of payments.accounts and payments.payments:
//   "accounts": account id -> account_view JSON (views.h)
//   "payments": payment id -> payment_view JSON
// Records hold no timestamps and a fixed field order, so the model's checksum depends only on
// the events: a rebuild from the log gives the same checksum as the live model.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/client.h"
#include "cairn/es/event_registry.h"
#include "cairn/es/projection.h"
#include "samples/payment/account.h"
#include "samples/payment/payment.h"
#include "samples/payment/views.h"

namespace samples::payment {

// The decoders the model applies with; they must outlive the projection.
struct read_model_registries {
  cairn::es::event_registry<account_event> accounts;
  cairn::es::event_registry<payment_event> payments;
};

// Every partition of the two topics (their partition counts asked from the cluster).
cairn::result<std::vector<cairn::topic_partition>> read_model_partitions(cairn::client& client);

// Opens (creating) the model under `dir`.
cairn::result<std::unique_ptr<cairn::es::projection>> open_read_model(
    const std::filesystem::path& dir, std::vector<cairn::topic_partition> partitions,
    const read_model_registries& registries);

// Applies one record (inside the projection's write txn). A record the model cannot read (an
// unknown type, a malformed payload, no key) is skipped with a line on stderr, not an error: an
// error would abort every later batch and stop the model for good.
cairn::result<void> apply_to_read_model(const read_model_registries& registries,
                                        cairn::es::projection_txn& model,
                                        const cairn::consumer_record& record);

cairn::result<std::optional<account_view>> find_account(const cairn::es::projection& model,
                                                        const std::string& id);
cairn::result<std::optional<payment_view>> find_payment(const cairn::es::projection& model,
                                                        const std::string& id);

}  // namespace samples::payment
