// handler_runner: an event handler in its own process, for the test that kills a handler
// between handling and committing. Prints "handled KEY VALUE" per handled record (flushed), and
// with --exit-after N ends the process with _Exit right after the N-th one: handled, not
// committed, as a crash (kill -9) at that point would leave it.
//
//   handler_runner HOST:PORT TOPIC GROUP [--exit-after N]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cairn/es/event_handler.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fputs("usage: handler_runner HOST:PORT TOPIC GROUP [--exit-after N]\n", stderr);
    return 2;
  }
  long exit_after = -1;
  if (argc == 6 && std::string(argv[4]) == "--exit-after") exit_after = std::atol(argv[5]);
  auto client = cairn::client::create({.bootstrap = {argv[1]}});
  if (!client) return 1;
  cairn::es::event_handler_options options{.topics = {argv[2]}, .group = argv[3]};
  options.consumer.session_timeout_ms = 6'000;
  options.consumer.heartbeat_interval_ms = 1'000;
  options.consumer.rebalance_timeout_ms = 10'000;
  long handled = 0;
  auto handler = cairn::es::event_handler::create(
      *client.value(), options, [&](const cairn::consumer_record& r) -> cairn::result<void> {
        std::printf("handled %s %s\n", r.key.value_or("").c_str(), r.value.value_or("").c_str());
        std::fflush(stdout);
        if (++handled == exit_after) std::_Exit(9);
        return cairn::success();
      });
  if (!handler) {
    std::fprintf(stderr, "handler_runner: %s\n", handler.error().message().c_str());
    return 1;
  }
  std::fputs("started\n", stderr);
  std::stop_source never;
  auto ran = handler.value()->run(never.get_token());
  std::fprintf(stderr, "handler_runner: %s\n", ran.error().message().c_str());
  return 1;
}
