#include "samples/common/service.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "base/command_line.h"
#include "cairn/admin.h"
#include "cairn/consumer.h"

namespace samples {

namespace po = boost::program_options;

std::optional<service_options> parse_service_options(std::string_view service, int argc,
                                                     char** argv,
                                                     std::vector<integer_option>& extra,
                                                     int& exit_code) {
  service_options o;
  po::options_description desc(std::string(service) + " options");
  desc.add_options()("help,h", "this help")                                //
      ("broker", po::value(&o.broker)->required(), "a broker, HOST:PORT")  //
      ("http", po::value(&o.http)->default_value("127.0.0.1:0"),
       "where the HTTP API listens, HOST:PORT (port 0 picks one)")  //
      ("data-dir", po::value(&o.data_dir)->required(),
       "the service's own directory (snapshots, read model, saga state)")  //
      ("rebuild", po::bool_switch(&o.rebuild),
       "rebuild the read model from the log, report it, and exit");
  for (auto& e : extra) {
    desc.add_options()(e.name.c_str(), po::value(&e.value)->default_value(e.value), e.help.c_str());
  }
  po::variables_map vm;
  if (auto code = cairn::parse_options(service, argc, argv, desc, vm)) {
    exit_code = *code;
    return std::nullopt;
  }
  return o;
}

std::string instance_id(std::string_view service, const std::string& data_dir) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::error_code ec;
  auto dir = std::filesystem::absolute(data_dir, ec);
  return std::string(service) + "@" + host + ":" +
         (ec ? data_dir : dir.lexically_normal().string());
}

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  const sigset_t set = stop_signals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

void announce_listening(std::string_view service, const boost::asio::ip::tcp::endpoint& at) {
  std::printf("%.*s: listening on http://%s:%u\n", static_cast<int>(service.size()), service.data(),
              at.address().to_string().c_str(), at.port());
  std::fflush(stdout);
}

background_loop::background_loop(std::string name, std::function<cairn::result<void>()> step,
                                 std::int64_t error_pause_ms)
    : name_(std::move(name)) {
  thread_ = std::thread([this, step = std::move(step), error_pause_ms] {
    std::string last_error;
    while (!stopping_.load()) {
      auto done = step();
      if (done) {
        last_error.clear();
        continue;
      }
      // The same failure in a row (the broker is away) is reported once, not every round.
      if (done.error().message() != last_error) {
        last_error = done.error().message();
        std::fprintf(stderr, "%s: %s (retrying)\n", name_.c_str(), last_error.c_str());
      }
      for (std::int64_t waited = 0; waited < error_pause_ms && !stopping_.load(); waited += 10) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  });
}

background_loop::~background_loop() {
  stop();
}

void background_loop::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

cairn::result<void> ensure_topics(cairn::client& client,
                                  std::initializer_list<std::string_view> topics, int partitions) {
  cairn::admin admin(client);
  for (auto topic : topics) {
    auto created = admin.create_topic(std::string(topic), {.partitions = partitions});
    if (!created && created.error() != cairn::protocol::errc::topic_already_exists) {
      return created.error();
    }
  }
  return cairn::success();
}

cairn::result<std::vector<cairn::topic_partition>> partitions_of(
    cairn::client& client, std::initializer_list<std::string_view> topics) {
  std::vector<cairn::topic_partition> out;
  for (auto topic : topics) {
    CAIRN_TRY(auto count, client.partition_count(std::string(topic)));
    for (std::int32_t p = 0; p < count; ++p)
      out.push_back({std::string(topic), p});
  }
  return out;
}

cairn::result<std::string> model_checksum(const cairn::es::projection& model) {
  CAIRN_TRY(auto dump, model.dump());
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (unsigned char c : dump) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV prime
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, h);
  return std::string(hex);
}

cairn::result<std::int64_t> model_lag(cairn::client& client, const cairn::es::projection& model,
                                      const std::vector<cairn::topic_partition>& partitions) {
  cairn::consumer c(client);
  CAIRN_TRY(c.try_assign(partitions));
  CAIRN_TRY(c.seek_to_end(partitions));
  CAIRN_TRY(auto checkpoints, model.checkpoints());
  std::int64_t lag = 0;
  for (const auto& tp : partitions) {
    auto end = c.position(tp);
    if (!end) return cairn::sdk::errc::no_position;
    auto at = checkpoints.find(tp);
    const std::int64_t applied = at == checkpoints.end() ? 0 : at->second;
    if (*end > applied) lag += *end - applied;
  }
  return lag;
}

namespace {

// A progress bar on stderr, redrawn in place at most every 50 ms, then once more when done; drawn
// only on a terminal (a log file gets the summary line alone).
class progress_bar {
 public:
  progress_bar() : terminal_(::isatty(STDERR_FILENO) == 1) {}
  ~progress_bar() {
    if (drawn_) std::fputc('\n', stderr);
  }

  void update(std::int64_t done, std::int64_t total, bool last) {
    const auto now = std::chrono::steady_clock::now();
    if (!terminal_ || (!last && now - drawn_at_ < std::chrono::milliseconds(50))) return;
    drawn_at_ = now;
    drawn_ = true;
    constexpr int kWidth = 40;
    const double part = total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 1.0;
    const int filled = static_cast<int>(part * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r  replaying [%s] %3.0f%%  %" PRId64 "/%" PRId64 " events", bar.c_str(),
                 part * 100, done, total);
    std::fflush(stderr);
  }

 private:
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point drawn_at_{};
};

}  // namespace

int rebuild_and_report(std::string_view service, cairn::client& client,
                       cairn::es::projection& model) {
  const auto started = std::chrono::steady_clock::now();
  std::optional<progress_bar> bar(std::in_place);
  cairn::es::rebuild_options options;
  options.terminal_progress = false;  // the bar below instead of the SDK's line
  options.on_progress = [&bar](const cairn::es::rebuild_progress& p) {
    bar->update(p.records_applied, p.records_total, false);
  };
  auto progress = model.rebuild(client, options);
  if (progress) bar->update(progress.value().records_applied, progress.value().records_total, true);
  bar.reset();  // ends the bar's line before anything else is printed
  if (!progress) {
    std::fprintf(stderr, "%.*s: the rebuild failed: %s\n", static_cast<int>(service.size()),
                 service.data(), progress.error().message().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto checksum = model_checksum(model);
  if (!checksum) {
    std::fprintf(stderr, "%.*s: the rebuilt model cannot be read: %s\n",
                 static_cast<int>(service.size()), service.data(),
                 checksum.error().message().c_str());
    return 1;
  }
  std::printf("%.*s: rebuilt the read model: %" PRId64 " events replayed in %.2f s, checksum %s\n",
              static_cast<int>(service.size()), service.data(), progress.value().records_applied,
              seconds, checksum.value().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace samples
