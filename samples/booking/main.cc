// booking-service: inventory and bookings, settled with payment-service through events only.
//
//   booking-service --broker HOST:PORT --data-dir DIR [--http HOST:PORT]
//                   [--payment-timeout-ms N] [--rebuild]
//
// DIR holds the service's own LMDB environments: snapshots/ (aggregate snapshots), read-model/
// (the projection behind the GET routes) and saga/ (the process manager's state, outbox and
// timeouts). Three threads do the work besides the HTTP pool: the read model's loop, the saga's
// loop, and main, which waits for SIGINT/SIGTERM. --rebuild replays the log into a fresh read
// model, prints what it replayed and the checksum, and exits.
#include <cstdio>
#include <filesystem>

#include "cairn/admin.h"
#include "cairn/es/process_manager.h"
#include "cairn/es/process_manager_dispatch.h"
#include "cairn/es/repository.h"
#include "cairn/lmdb/snapshot_store.h"
#include "samples/booking/booking.h"
#include "samples/booking/booking_desk.h"
#include "samples/booking/booking_saga.h"
#include "samples/booking/http_api.h"
#include "samples/booking/inventory.h"
#include "samples/booking/read_model.h"
#include "samples/common/http_server.h"
#include "samples/common/service.h"

namespace es = cairn::es;
using namespace samples::booking;

namespace {

constexpr const char* kService = "booking-service";

int fail(const char* step, const std::error_code& ec) {
  std::fprintf(stderr, "%s: %s: %s\n", kService, step, ec.message().c_str());
  return 1;
}

// A saga command its target refused (a confirm after a cancel, say) is logged and acknowledged:
// retrying cannot change the answer, and it must not block the messages behind it.
cairn::result<void> log_rejected(const es::process_message& m, std::error_code ec) {
  std::fprintf(stderr, "%s: saga command %s to %s/%s refused: %s\n", kService, m.type.c_str(),
               m.topic.c_str(), m.key.c_str(), ec.message().c_str());
  return cairn::success();
}

}  // namespace

int main(int argc, char** argv) {
  samples::block_stop_signals();  // first: threads started later inherit the mask
  std::vector<samples::integer_option> extra = {
      {"payment-timeout-ms", "cancel a booking whose payment has no answer after this long",
       kPaymentTimeoutMsDefault}};
  int exit_code = 0;
  auto options = samples::parse_service_options(kService, argc, argv, extra, exit_code);
  if (!options) return exit_code;
  const std::int64_t payment_timeout_ms = extra[0].value;
  if (payment_timeout_ms <= 0) {
    std::fprintf(stderr, "%s: --payment-timeout-ms must be positive\n", kService);
    return 2;
  }
  booking_saga::set_payment_timeout_ms(payment_timeout_ms);
  const std::filesystem::path dir(options->data_dir);

  auto client = cairn::client::create({.bootstrap = {options->broker}, .client_id = kService});
  if (!client) return fail("connect to the broker", client.error());
  // payments.payments is payment-service's topic, but the saga reads it from its first start.
  if (auto created = samples::ensure_topics(
          *client.value(), {kInventoryTopic, kBookingsTopic, samples::contracts::kPaymentsTopic},
          kTopicPartitions);
      !created) {
    return fail("create the topics", created.error());
  }

  auto partitions = read_model_partitions(*client.value());
  if (!partitions) return fail("read the topics' partitions", partitions.error());
  auto model = open_read_model(dir / "read-model", std::move(partitions).value());
  if (!model) return fail("open the read model", model.error());
  if (options->rebuild)
    return samples::rebuild_and_report(kService, *client.value(), *model.value());

  auto snapshots = cairn::lmdb::snapshot_store::open(dir / "snapshots");
  if (!snapshots) return fail("open the snapshot store", snapshots.error());
  es::event_registry<inventory_event> inventory_events;
  es::event_registry<booking_event> booking_events;
  // Items see many holds: snapshots every 64 events and a cache keep a hold from replaying the
  // item's history. A booking's stream has at most four events: the cache alone is enough.
  es::repository<inventory> items(*client.value(), inventory_events,
                                  {.topic = std::string(kInventoryTopic),
                                   .attempts_max = 64,  // many bookings may race for one item
                                   .snapshots = {.every_events = 64},
                                   .cache_max = 10'000},
                                  &snapshots.value());
  es::repository<booking> bookings(*client.value(), booking_events,
                                   {.topic = std::string(kBookingsTopic), .cache_max = 10'000});

  es::event_registry<inventory_command> inventory_commands;
  es::event_registry<booking_command> booking_commands;
  auto senders =
      es::route_commands({{std::string(kBookingsTopic),
                           es::repository_senders(bookings, booking_commands, log_rejected)},
                          {std::string(kInventoryTopic),
                           es::repository_senders(items, inventory_commands, log_rejected)}});
  es::event_registry<saga_input> saga_inputs;
  es::process_options saga_options;
  saga_options.name = "booking-saga";
  saga_options.dir = dir / "saga";
  auto saga_partitions =
      samples::partitions_of(*client.value(), {kBookingsTopic, samples::contracts::kPaymentsTopic});
  if (!saga_partitions) return fail("read the topics' partitions", saga_partitions.error());
  saga_options.partitions = std::move(saga_partitions).value();
  saga_options.poll_timeout_ms = 200;
  auto saga = es::process_manager<booking_saga>::open(
      saga_options, saga_inputs, es::broker_dispatch(*client.value(), senders));
  if (!saga) return fail("open the saga", saga.error());

  cairn::consumer model_feed(*client.value());
  cairn::consumer saga_feed(*client.value());
  samples::background_loop model_loop("booking-service read model",
                                      samples::follow(*model.value(), model_feed));
  samples::background_loop saga_loop("booking-service saga",
                                     samples::follow(*saga.value(), saga_feed));

  booking_desk desk(bookings, items);
  api_context context{desk, *model.value(), *client.value()};
  auto server = samples::http::server::start(options->http, make_routes(context));
  if (!server) return fail("start the HTTP server", server.error());
  samples::announce_listening(kService, server.value()->local_endpoint());

  const int sig = samples::wait_for_stop_signal();
  std::printf("%s: signal %d, stopping\n", kService, sig);
  server.value()->stop();
  saga_loop.stop();
  model_loop.stop();
  return 0;
}
