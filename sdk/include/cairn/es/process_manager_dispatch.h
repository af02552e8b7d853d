// Delivering a process manager's messages to the broker.
//
//   broker_dispatch(client, commands): events are appended to their stream (topic + key) with the
//     es headers (`command-id` = the message id, correlation, causation). A message that may have
//     been sent before (maybe_sent) is looked for in its stream first, and then appended with the
//     version read as expected version, so an append racing the check cannot land twice.
//     Commands go to `commands`.
//   repository_senders(repo, registry, on_rejected): commands of one repository<D>: decoded by
//     their type name (commands are named like events), handled with the message id as command
//     id, so a command sent again after a crash is a duplicate the repository does not apply.
//   route_commands({{topic, senders}, ...}): one sender per target topic.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "cairn/client.h"
#include "cairn/es/process_manager_errc.h"
#include "cairn/es/process_manager_types.h"
#include "cairn/es/repository.h"

namespace cairn::es {

struct command_senders {
  std::function<result<void>(const process_message&)> send{};
  std::function<awaitable<result<void>>(process_message)> async_send{};
};

struct broker_dispatch_options {
  int attempts_max = 8;          // check-and-append rounds for a maybe_sent event
  int read_pages_max = 100'000;  // ReadStream pages per check (a bound on a runaway loop)
};

process_dispatch broker_dispatch(client& c, command_senders commands,
                                 broker_dispatch_options options = {});

// Errors worth retrying later (the broker or the network); anything else from a command is the
// target's answer to it (a refusal), which the saga's author decides about in on_rejected.
inline bool transient(std::error_code ec) {
  return sdk::is_retriable(ec) || ec == errc::retries_exhausted;
}

// What to do with a command its target refused (a decider error, an unknown command type):
// success acknowledges it (it is dropped), an error keeps it in the outbox (it blocks the ones
// after it). Called on the sending thread (the client's, for the coroutine form).
using rejected_command = std::function<result<void>(const process_message&, std::error_code)>;

template <decider D>
command_senders repository_senders(repository<D>& repo,
                                   const event_registry<typename D::command>& commands,
                                   rejected_command on_rejected) {
  auto meta = [](const process_message& m) {
    return command_meta{
        .command_id = m.id, .correlation_id = m.correlation_id, .causation_id = m.causation_id};
  };
  command_senders s;
  s.send = [&repo, &commands, on_rejected, meta](const process_message& m) -> result<void> {
    auto cmd = commands.decode(m.type, m.data);
    if (!cmd) return on_rejected(m, cmd.error());
    auto handled = repo.handle(m.key, cmd.value(), meta(m));
    if (handled) return success();  // applied now, or a duplicate applied before
    if (transient(handled.error())) return handled.error();
    return on_rejected(m, handled.error());
  };
  s.async_send = [&repo, &commands, on_rejected,
                  meta](process_message m) -> awaitable<result<void>> {
    auto cmd = commands.decode(m.type, m.data);
    if (!cmd) co_return on_rejected(m, cmd.error());
    // Named arguments: g++ 12 mishandles temporaries inside a co_await expression.
    std::string id = m.key;
    typename D::command command = std::move(cmd).value();
    command_meta ids = meta(m);
    auto handled = co_await repo.async_handle(std::move(id), std::move(command), std::move(ids));
    if (handled) co_return success();
    if (transient(handled.error())) co_return handled.error();
    co_return on_rejected(m, handled.error());
  };
  return s;
}

inline command_senders route_commands(std::map<std::string, command_senders> by_topic) {
  auto routes = std::make_shared<std::map<std::string, command_senders>>(std::move(by_topic));
  command_senders s;
  s.send = [routes](const process_message& m) -> result<void> {
    auto it = routes->find(m.topic);
    if (it == routes->end()) return process_errc::no_route;
    return it->second.send(m);
  };
  s.async_send = [routes](process_message m) -> awaitable<result<void>> {
    auto it = routes->find(m.topic);
    if (it == routes->end()) co_return process_errc::no_route;
    auto sent = co_await it->second.async_send(std::move(m));
    co_return sent;
  };
  return s;
}

}  // namespace cairn::es
