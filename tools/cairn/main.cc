// cairn: the command-line client, built only on the public SDK.
//
//   cairn [-b HOST:PORT] topic create|list|describe|delete ...
//   cairn [-b HOST:PORT] produce TOPIC ...        one record per stdin line
//   cairn [-b HOST:PORT] consume TOPIC ...       [-g GROUP: as a member of a consumer group]
//   cairn [-b HOST:PORT] group list|describe|delete|reset-offsets ...
//   cairn [-b HOST:PORT] stream append|read TOPIC KEY ...
//   cairn [-b HOST:PORT] dlq list|replay TOPIC ...  parked records of event handlers
//   cairn [-b HOST:PORT] cluster status             brokers, controller, leaders, in-sync, lag
#include <cstdio>
#include <string>
#include <vector>

#include "tools/cairn/cli.h"

namespace {

constexpr const char* kUsage = R"(usage: cairn [-b HOST:PORT] [TLS] COMMAND ...

  TLS (to a broker started with --tls-cert): --tls-ca FILE (the CA that signed the
  broker's certificate), and --tls-cert FILE --tls-key FILE when the broker asks for a
  client certificate. The broker's certificate must name the host of -b.

  topic create NAME [-p N] [-r N] [--retention-ms N] [--retention-bytes N] [--compact]
               [--timestamp-type CreateTime|LogAppendTime]
  topic list
  topic describe NAME
  topic delete NAME
  produce TOPIC [-k KEY | --key-sep SEP] [-H name=value]... [--acks none|leader|all]
                [--compression none|gzip|snappy|lz4|zstd]
  consume TOPIC [-p PARTITION] [-o beginning|end|OFFSET|@TIMESTAMP_MS] [-n MAX]
                [--format value|json] [--timeout-ms N]
  consume TOPIC -g GROUP [-n MAX] [--format value|json] [--timeout-ms IDLE_MS]
                [--session-timeout-ms N] [--instance-id ID] [--assignor NAME]...
                [--reset earliest|latest]
        joins the group, commits after printing each poll's records, runs until
        SIGINT/SIGTERM (then leaves the group), -n MAX records, or IDLE_MS without any
  group list
  group describe GROUP [--format table|json]
  group delete GROUP
  group reset-offsets GROUP --topic TOPIC
                (--to-earliest | --to-latest | --to-offset N | --to-timestamp MS)
        only while the group has no members
  stream append TOPIC KEY --expected-version any|no-stream|exists|N [-t TYPE]
  stream read TOPIC KEY [--from-version N] [--format value|json]
  dlq list TOPIC [--group G] [--json]
        the unresolved parked records of event handlers in TOPIC.dlq
  dlq replay TOPIC --group G [--key K]
        copies the group's parked records (of key K) back onto TOPIC, oldest first
  cluster status [--internal]
        brokers (alive, * the controller), then per partition its leader, epoch,
        replicas, in-sync set and each replica's lag (--internal: the broker's own
        topics too)

The broker defaults to 127.0.0.1:7070. Exit codes: 0 ok, 1 failed, 2 usage, 3 wrong
expected version.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  std::string bootstrap = "127.0.0.1:7070";
  std::optional<cairn::tls_options> tls;
  // Global flags, each with a value, before the command.
  while (words.size() >= 2 && words[0].starts_with("-") && words[0] != "-h" &&
         words[0] != "--help") {
    const std::string& flag = words[0];
    const std::string& value = words[1];
    if (flag == "-b" || flag == "--bootstrap") {
      bootstrap = value;
    } else if (flag == "--tls-ca") {
      if (!tls) tls.emplace();
      tls->ca_file = value;
    } else if (flag == "--tls-cert") {
      if (!tls) tls.emplace();
      tls->cert_file = value;
    } else if (flag == "--tls-key") {
      if (!tls) tls.emplace();
      tls->key_file = value;
    } else {
      break;
    }
    words.erase(words.begin(), words.begin() + 2);
  }
  if (tls && tls->cert_file.empty() != tls->key_file.empty()) {
    std::fputs("cairn: --tls-cert and --tls-key go together\n", stderr);
    return cairn::cli::kExitUsage;
  }
  if (words.empty() || words[0] == "-h" || words[0] == "--help" || words[0] == "help") {
    std::fputs(kUsage, words.empty() ? stderr : stdout);
    return words.empty() ? cairn::cli::kExitUsage : cairn::cli::kExitOk;
  }
  std::string command = words[0];
  words.erase(words.begin());
  auto c = cairn::cli::connect(bootstrap, tls);
  if (!c) return cairn::cli::kExitFailed;
  if (command == "topic") return cairn::cli::topic_command(*c, words);
  if (command == "produce") return cairn::cli::produce_command(*c, words);
  if (command == "consume") return cairn::cli::consume_command(*c, words);
  if (command == "group") return cairn::cli::group_command(*c, words);
  if (command == "stream") return cairn::cli::stream_command(*c, words);
  if (command == "dlq") return cairn::cli::dlq_command(*c, words);
  if (command == "cluster") return cairn::cli::cluster_command(*c, words);
  std::fprintf(stderr, "cairn: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return cairn::cli::kExitUsage;
}
