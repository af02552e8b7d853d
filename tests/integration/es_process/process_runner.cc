// process_runner: runs the booking process manager (tests/unit/sdk/es_process/booking_process.h)
// in its own process, so a test can kill it with SIGKILL, or have it kill itself at an exact
// point. Commands go to repository<seat_hold> on topic "inventory", events to their streams.
// Prints "round <applied> <fired> <dispatched> <position>" after every round and exits 0 once
// the checkpoints add up to UNTIL, the outbox is empty and no timeout is due; 2 after 60 s.
//
//   process_runner BROKER DIR UNTIL CLOCK_OFFSET_MS CRASH RECORDS_PER_POLL
//
// CLOCK_OFFSET_MS is added to the system clock (a restart "later" without waiting). CRASH is
// none, commit:N (SIGKILL itself right after the Nth txn that wrote messages commits, before
// they are dispatched) or sent:N (right after the Nth message was sent, before the outbox
// entry is deleted).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cairn/es/process_manager.h"
#include "cairn/es/process_manager_dispatch.h"
#include "cairn/lmdb/snapshot_store.h"
#include "tests/unit/sdk/es_process/booking_process.h"

namespace es = cairn::es;

namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "commit:3" -> 3 when the prefix matches, else 0 (never).
int crash_count(const std::string& crash, const std::string& prefix) {
  if (crash.rfind(prefix, 0) != 0) return 0;
  return std::stoi(crash.substr(prefix.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s BROKER DIR UNTIL CLOCK_OFFSET_MS CRASH RECORDS\n", argv[0]);
    return 1;
  }
  const std::int64_t until = std::stoll(argv[3]);
  const std::int64_t offset_ms = std::stoll(argv[4]);
  const std::string crash = argv[5];
  const int crash_commit = crash_count(crash, "commit:");
  const int crash_sent = crash_count(crash, "sent:");

  auto cl = cairn::client::create({.bootstrap = {argv[1]}});
  if (!cl) return 1;
  auto& client = *cl.value();

  es::event_registry<booking::hold_command> commands;
  es::event_registry<booking::hold_event> hold_events;
  es::event_registry<booking::input> inputs;
  es::repository<booking::seat_hold> holds(client, hold_events,
                                           {.topic = std::string(booking::inventory_topic)});
  auto senders = es::route_commands(
      {{std::string(booking::inventory_topic),
        es::repository_senders(
            holds, commands, [](const es::process_message& m, std::error_code ec) {
              std::fprintf(stderr, "rejected %s: %s\n", m.id.c_str(), ec.message().c_str());
              return cairn::result<void>(ec);
            })}});

  es::process_manager<booking::booking_process>* pm_ptr = nullptr;
  int commits_with_messages = 0;
  int sent = 0;
  es::process_options o;
  o.name = "booking";
  o.dir = argv[2];
  o.partitions = {{"bookings", 0}, {"bookings", 1}};
  o.poll_timeout_ms = 200;
  o.clock = [offset_ms] { return system_now_ms() + offset_ms; };
  o.on_committed = [&] {
    if (crash_commit == 0) return;
    auto outbox = pm_ptr->engine().outbox();
    if (outbox && !outbox.value().empty() && ++commits_with_messages == crash_commit) {
      ::raise(SIGKILL);  // after the commit, before the dispatch
    }
  };
  o.on_sent = [&](const es::process_message&) {
    if (crash_sent != 0 && ++sent == crash_sent) ::raise(SIGKILL);  // sent, not yet deleted
  };
  auto pm = es::process_manager<booking::booking_process>::open(
      o, inputs, es::broker_dispatch(client, senders));
  if (!pm) {
    std::fprintf(stderr, "open: %s\n", pm.error().message().c_str());
    return 1;
  }
  pm_ptr = pm.value().get();
  auto& engine = pm.value()->engine();

  cairn::consumer c(client, {.records_max = std::stoul(argv[6])});
  if (auto s = pm.value()->start(c); !s) {
    std::fprintf(stderr, "start: %s\n", s.error().message().c_str());
    return 1;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto round = pm.value()->run_once(c);
    if (!round) {
      std::fprintf(stderr, "run_once: %s\n", round.error().message().c_str());
      return 1;
    }
    auto cp = engine.checkpoints();
    auto outbox = engine.outbox();
    auto due = engine.next_due_ms();
    if (!cp || !outbox || !due) return 1;
    std::int64_t position = 0;
    for (const auto& [tp, next] : cp.value())
      position += next;
    std::printf("round %zu %zu %zu %lld\n", round.value().applied, round.value().timeouts_fired,
                round.value().dispatched, static_cast<long long>(position));
    std::fflush(stdout);
    const bool timeout_due = due.value() && *due.value() <= engine.now_ms();
    if (position >= until && outbox.value().empty() && !timeout_due) return 0;
  }
  return 2;
}
