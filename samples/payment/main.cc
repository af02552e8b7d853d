// payment-service: accounts and payments over a Cairn broker, with a small HTTP JSON API.
//
//   payment-service --broker HOST:PORT --http HOST:PORT --data-dir DIR [--rebuild]
//
// Commands go through the payment desk (payment_desk.h) to the account and payment aggregates;
// a read model (read_model.h) follows payments.accounts and payments.payments in DIR/read-model;
// an event handler (booking_requests_handler.h) answers booking-service's payment requests.
// --rebuild replays the whole log into a fresh read model, reports it and exits.
#include <cstdio>
#include <filesystem>

#include "cairn/admin.h"
#include "cairn/es/repository.h"
#include "cairn/lmdb/snapshot_store.h"
#include "samples/common/http_server.h"
#include "samples/common/service.h"
#include "samples/contracts/booking_events.h"
#include "samples/payment/booking_requests_handler.h"
#include "samples/payment/http_api.h"
#include "samples/payment/payment_desk.h"
#include "samples/payment/read_model.h"

namespace es = cairn::es;
using namespace samples::payment;

namespace {

constexpr const char* kService = "payment-service";
constexpr int kPartitions = 3;
// Aggregates kept loaded: a command on a recent account or payment reads no stream first.
constexpr std::size_t kCachedAggregatesMax = 10'000;
// A broker that does not answer fails a request after this long: the HTTP client gets a 503
// well before its own timeout instead of waiting out the SDK's default.
constexpr std::int64_t kRequestTimeoutMs = 5'000;

int fail(const char* step, const std::error_code& ec) {
  std::fprintf(stderr, "%s: %s: %s\n", kService, step, ec.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  samples::block_stop_signals();
  std::vector<samples::integer_option> extra;
  int exit_code = 0;
  auto options = samples::parse_service_options(kService, argc, argv, extra, exit_code);
  if (!options) return exit_code;

  auto client = cairn::client::create({.bootstrap = {options->broker},
                                       .client_id = kService,
                                       .request_timeout_ms = kRequestTimeoutMs});
  if (!client) return fail("connect", client.error());
  if (auto created = samples::ensure_topics(
          *client.value(),
          {kAccountsTopic, samples::contracts::kPaymentsTopic, samples::contracts::kBookingsTopic},
          kPartitions);
      !created) {
    return fail("create the topics", created.error());
  }

  const std::filesystem::path dir(options->data_dir);
  read_model_registries registries;
  auto partitions = read_model_partitions(*client.value());
  if (!partitions) return fail("read the topics' partitions", partitions.error());
  auto model = open_read_model(dir / "read-model", partitions.value(), registries);
  if (!model) return fail("open the read model", model.error());
  if (options->rebuild) {
    return samples::rebuild_and_report(kService, *client.value(), *model.value());
  }

  auto snapshots = cairn::lmdb::snapshot_store::open(dir / "snapshots");
  if (!snapshots) return fail("open the snapshot store", snapshots.error());
  es::repository<account> accounts(*client.value(), registries.accounts,
                                   {.topic = std::string(kAccountsTopic),
                                    .snapshots = {.every_events = 50},
                                    .cache_max = kCachedAggregatesMax},
                                   &snapshots.value());
  es::repository<payment_decider> payments(
      *client.value(), registries.payments,
      {.topic = std::string(samples::contracts::kPaymentsTopic),
       .cache_max = kCachedAggregatesMax});
  payment_desk desk(accounts, payments);

  // The read model follows the log on its own consumer; after a failed batch the consumer is
  // ahead of the model, so it is sought back to the checkpoints (start) before the next one.
  cairn::consumer feed(*client.value());
  samples::background_loop model_loop("read model", samples::follow(*model.value(), feed));

  es::event_registry<samples::contracts::booking_event> booking_registry;
  auto handler = create_booking_requests_handler(*client.value(), booking_registry, desk,
                                                 samples::instance_id(kService, options->data_dir));
  if (!handler) return fail("create the booking event handler", handler.error());
  samples::background_loop handler_loop("booking events", [&]() -> cairn::result<void> {
    CAIRN_TRY(handler.value()->run_once());
    return cairn::success();
  });

  http_api_context context{.desk = desk,
                           .model = *model.value(),
                           .client = *client.value(),
                           .model_partitions = partitions.value()};
  auto server = samples::http::server::start(options->http, make_routes(context));
  if (!server) return fail("listen for HTTP", server.error());
  samples::announce_listening(kService, server.value()->local_endpoint());

  const int signal = samples::wait_for_stop_signal();
  std::printf("%s: stopping (signal %d)\n", kService, signal);
  std::fflush(stdout);
  server.value()->stop();
  handler_loop.stop();
  model_loop.stop();
  handler.value()->close();
  return 0;
}
