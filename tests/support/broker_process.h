// broker_process: a real cairn-broker child process on 127.0.0.1, port 0, in its own data
// directory. Start waits for its "listening on HOST:PORT" line (bounded); stop() sends SIGTERM,
// kill() sends SIGKILL, and the destructor makes sure the process is gone, by its PID.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cairn::testing {

class broker_process {
 public:
  broker_process(std::string binary, std::string data_dir, std::vector<std::string> extra = {})
      : binary_(std::move(binary)), data_dir_(std::move(data_dir)), extra_(std::move(extra)) {
    start();
  }
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;
  ~broker_process() {
    if (pid_ > 0) kill();
  }

  std::uint16_t port() const { return port_; }
  std::uint16_t http_port() const { return http_port_; }
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
  int signal_and_wait(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // Reads stdout until the "listening on HOST:PORT" line, for at most 20 s.
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
      auto at = text.find("listening on ");
      auto eol = text.find('\n', at == std::string::npos ? 0 : at);
      if (at != std::string::npos && eol != std::string::npos) {
        auto colon = text.rfind(':', eol);
        auto http = text.find("http on ");
        if (http != std::string::npos) {
          auto http_eol = text.find('\n', http);
          auto http_colon = text.rfind(':', http_eol);
          http_port_ = static_cast<std::uint16_t>(
              std::stoi(text.substr(http_colon + 1, http_eol - http_colon - 1)));
        }
        return static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1, eol - colon - 1)));
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
};

}  // namespace cairn::testing
