// broker_process: a real cairn-broker child process on 127.0.0.1, port 0, in its own data
// directory. Start waits for its "listening on HOST:PORT" line (bounded); stop() sends SIGTERM,
// kill() sends SIGKILL, and the destructor makes sure the process is gone, by its PID.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::testing {

class broker_process {
 public:
  // CAIRN_TEST_BROKER, when set, names another cairn-broker binary to run instead of `binary`:
  // the tests of one build against the broker of another, e.g. a ThreadSanitizer broker under
  // tests whose process cannot itself run under TSan (librdkafka starts its threads through
  // C11 thrd_create, which TSan's runtime does not see; docs/kafka.md, "Sanitizers").
  broker_process(std::string binary, std::string data_dir, std::vector<std::string> extra = {})
      : binary_(override_or(std::move(binary))),
        data_dir_(std::move(data_dir)),
        extra_(std::move(extra)) {
    start();
  }
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;
  ~broker_process() {
    if (pid_ > 0) kill();
  }

  std::uint16_t port() const { return port_; }
  std::uint16_t http_port() const { return http_port_; }
  // The Kafka listener's port (0 when the test turned it off with --kafka-listen none).
  std::uint16_t kafka_port() const { return kafka_port_; }
  pid_t pid() const { return pid_; }

  void start() {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      // If the test dies without running destructors (a crash, an abort), so does the broker:
      // no orphan keeps running after the test.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() == 1) ::_exit(127);  // the parent is already gone
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<std::string> args = {binary_,       "--data-dir",  data_dir_,
                                       "--listen",    "127.0.0.1:0", "--http",
                                       "127.0.0.1:0", "--log-level", "warn"};
      // Every test broker's Kafka listener takes a free port too, unless the test picks one.
      if (!names_kafka_listen()) {
        args.push_back("--kafka-listen");
        args.push_back("127.0.0.1:0");
      }
      args.insert(args.end(), extra_.begin(), extra_.end());
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary_.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    port_ = read_port(out[0]);
    ::close(out[0]);
  }

  // SIGTERM and wait: a clean shutdown. Returns the exit status.
  int stop() { return signal_and_wait(SIGTERM); }
  // SIGKILL and wait: a crash.
  int kill() { return signal_and_wait(SIGKILL); }

 private:
  static std::string override_or(std::string binary) {
    const char* other = std::getenv("CAIRN_TEST_BROKER");
    return other != nullptr && *other != '\0' ? std::string(other) : std::move(binary);
  }
  int signal_and_wait(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  bool names_kafka_listen() const {
    for (const auto& a : extra_) {
      if (a == "--kafka-listen" || a.starts_with("--kafka-listen=")) return true;
    }
    return false;
  }

  bool kafka_off() const {
    for (std::size_t i = 0; i < extra_.size(); ++i) {
      if (extra_[i] == "--kafka-listen=none") return true;
      if (extra_[i] == "--kafka-listen" && i + 1 < extra_.size() && extra_[i + 1] == "none")
        return true;
    }
    return false;
  }

  // The port at the end of the line that starts with `prefix`, or nullopt if that line has not
  // been printed (whole) yet.
  static std::optional<std::uint16_t> port_on_line(const std::string& text,
                                                   std::string_view prefix) {
    std::size_t at = 0;
    while (at < text.size()) {
      auto eol = text.find('\n', at);
      if (eol == std::string::npos) return std::nullopt;
      std::string_view line(text.data() + at, eol - at);
      if (line.starts_with(prefix)) {
        auto colon = line.rfind(':');
        return static_cast<std::uint16_t>(std::stoi(std::string(line.substr(colon + 1))));
      }
      at = eol + 1;
    }
    return std::nullopt;
  }

  // Reads stdout until the "listening on HOST:PORT" line (and the "kafka listening on" line
  // after it, when the Kafka listener is on), for at most 20 s.
  std::uint16_t read_port(int fd) {
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      auto native = port_on_line(text, "listening on ");
      auto kafka = port_on_line(text, "kafka listening on ");
      if (native && (kafka || kafka_off())) {
        http_port_ = port_on_line(text, "http on ").value_or(0);
        kafka_port_ = kafka.value_or(0);
        return *native;
      }
    }
    kill();
    throw std::runtime_error("cairn-broker did not print 'listening on': " + text);
  }

  std::string binary_;
  std::string data_dir_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t http_port_ = 0;
  std::uint16_t kafka_port_ = 0;
};

}  // namespace cairn::testing
