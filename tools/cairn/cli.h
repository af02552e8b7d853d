// The pieces every `cairn` command shares: a small argument reader, the client from -b, and
// exit codes (0 success, 1 failure, 2 usage, 3 wrong expected version).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/client.h"
#include "cairn/consumer.h"

namespace cairn::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitWrongExpectedVersion = 3;

// Options (`-k VALUE`, `--key VALUE`, `--flag`) and positional words of one command.
class args {
 public:
  // `with_value`: the option names that take a value; everything else starting with '-' is a
  // flag. Repeated options keep every value.
  args(const std::vector<std::string>& words, const std::vector<std::string>& with_value);

  const std::vector<std::string>& positional() const { return positional_; }
  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  bool flag(const std::string& name) const;
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> flags_;
  std::string error_;
};

// Parses a non-negative or any integer, with the option's name in the message on failure.
std::optional<std::int64_t> parse_int(const std::string& text);

// The client for `bootstrap` ("host:port"); prints what went wrong and returns nullptr.
// A client of `bootstrap`, over TLS when `tls` is set (the global --tls-* flags); nullptr after
// reporting why not.
std::unique_ptr<client> connect(const std::string& bootstrap, std::optional<tls_options> tls);

// Prints "cairn: <what>: <error message>" on stderr.
void report(const std::string& what, const std::error_code& ec);

// True when stderr is a terminal: progress lines go there only then.
bool progress_wanted();

// Prints one record: its value and a newline, or (format "json") one JSON object per line.
void print_record(const consumer_record& r, const std::string& format);

struct group_consume_options {
  std::string topic;
  std::string group;
  std::string format = "value";
  std::int64_t max = -1;              // records; -1: no limit
  std::int64_t idle_timeout_ms = -1;  // stop after this long without records; -1: never
  offset_reset reset = offset_reset::earliest;
  std::int32_t session_timeout_ms = 45'000;
  std::optional<std::string> instance_id;
  std::vector<std::string> assignors;  // empty: the SDK's default
};
int group_consume(client& c, const group_consume_options& options);

int topic_command(client& c, const std::vector<std::string>& words);
int group_command(client& c, const std::vector<std::string>& words);
int produce_command(client& c, const std::vector<std::string>& words);
int consume_command(client& c, const std::vector<std::string>& words);
int stream_command(client& c, const std::vector<std::string>& words);
// Brokers, the controller, and per partition leader, replicas, in-sync set and lag.
int cluster_command(client& c, const std::vector<std::string>& words);
// Parked records of event handlers: list, replay (dlq_commands.cc).
int dlq_command(client& c, const std::vector<std::string>& words);

}  // namespace cairn::cli
