// What every sample service shares besides HTTP: its command line, the line that tells scripts
// where it listens, its stop signal, loops that run in the background, and the read model's
// checksum and lag (what --rebuild reports and GET /model answers).
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cairn/client.h"
#include "cairn/consumer.h"
#include "cairn/es/projection.h"
#include "cairn/base/result.h"

namespace samples {

struct service_options {
  std::string broker;    // --broker HOST:PORT
  std::string http;      // --http HOST:PORT (port 0 picks one)
  std::string data_dir;  // --data-dir DIR: the service's LMDB directories
  bool rebuild = false;  // --rebuild: rebuild the read model from the log, report, exit
};

// Parses the common options plus `extra` (name, help, default) integer options; prints help or
// an error and returns nullopt with `exit_code` set when the program should exit.
struct integer_option {
  std::string name;
  std::string help;
  std::int64_t value = 0;
};
std::optional<service_options> parse_service_options(std::string_view service, int argc,
                                                     char** argv,
                                                     std::vector<integer_option>& extra,
                                                     int& exit_code);

// A name for this instance that stays the same across its restarts and differs between instances:
// "<service>@<host>:<absolute data dir>". Used as the consumer groups' static member id
// (group_instance_id), so a service that crashes and restarts gets its partitions back at once
// instead of waiting out its old session.
std::string instance_id(std::string_view service, const std::string& data_dir);

// Blocks SIGINT and SIGTERM in the calling thread (call first in main, so threads started later
// inherit the mask), then wait_for_stop_signal() returns the one that arrived.
void block_stop_signals();
int wait_for_stop_signal();

// Prints "<service>: listening on http://HOST:PORT" on stdout and flushes: tests and
// scripts/demo read the port from it.
void announce_listening(std::string_view service, const boost::asio::ip::tcp::endpoint& at);

// Runs step() on its own thread until stop(); an error is printed to stderr (once per distinct
// message in a row) and the loop goes on after a pause of `error_pause_ms`.
class background_loop {
 public:
  background_loop(std::string name, std::function<cairn::result<void>()> step,
                  std::int64_t error_pause_ms = 200);
  ~background_loop();  // stop()
  background_loop(const background_loop&) = delete;
  background_loop& operator=(const background_loop&) = delete;
  void stop();

 private:
  std::string name_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Creates each topic with `partitions` partitions unless it exists. Every service creates all the
// topics it reads or writes, so any of them may start first.
cairn::result<void> ensure_topics(cairn::client& client,
                                  std::initializer_list<std::string_view> topics, int partitions);

// Every partition of `topics`, as the broker has them (a topic another service created may not
// have the partition count this one would have chosen).
cairn::result<std::vector<cairn::topic_partition>> partitions_of(
    cairn::client& client, std::initializer_list<std::string_view> topics);

// A background_loop step that feeds a runner (a projection or a process manager: start(c),
// run_once(c)) from its consumer, and starts it again after a failed round: start() seeks the
// partitions back to the runner's checkpoints, which a failed batch left the consumer ahead of.
template <class Runner>
std::function<cairn::result<void>()> follow(Runner& runner, cairn::consumer& feed) {
  return [&runner, &feed, started = false]() mutable -> cairn::result<void> {
    if (!started) {
      CAIRN_TRY(runner.start(feed));
      started = true;
    }
    auto ran = runner.run_once(feed);
    if (!ran) {
      started = false;
      return ran.error();
    }
    return cairn::success();
  };
}

// FNV-1a (64 bit) over projection::dump(), as 16 hex digits: two models with the same content
// have the same checksum, whatever order their records were applied in.
cairn::result<std::string> model_checksum(const cairn::es::projection& model);

// How many records of the model's partitions it has not applied yet (end offsets minus
// checkpoints). 0: caught up with everything in the log at the time of the call.
cairn::result<std::int64_t> model_lag(cairn::client& client, const cairn::es::projection& model,
                                      const std::vector<cairn::topic_partition>& partitions);

// --rebuild: replays the whole log into a fresh generation of `model` (a progress bar on stderr
// when it is a terminal), then prints on stdout
//   "<service>: rebuilt the read model: N events replayed in T s, checksum XXXXXXXXXXXXXXXX"
// Returns the process exit code.
int rebuild_and_report(std::string_view service, cairn::client& client,
                       cairn::es::projection& model);

}  // namespace samples
