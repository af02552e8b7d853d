// cli_process: a `cairn` command-line child process (fork/exec, as broker_process starts
// brokers) whose stdout and stderr lines are collected by reader threads, so a test can wait for
// a line (bounded) and kill the process by its PID (kill -9 stands for a crash).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cairn::testing {

class cli_process {
 public:
  // Runs `binary args...`; both output streams are captured line by line.
  cli_process(const std::string& binary, std::vector<std::string> args) {
    int out[2];
    int err[2];
    // Close-on-exec: a process started later (a broker, another CLI) must not hold these open.
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphan outlives a crashed test
      if (::getppid() == 1) ::_exit(127);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::close(err[0]);
      ::close(err[1]);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    readers_.emplace_back([this, fd = out[0]] { read_lines(fd, out_); });
    readers_.emplace_back([this, fd = err[0]] { read_lines(fd, err_); });
  }
  cli_process(const cli_process&) = delete;
  cli_process& operator=(const cli_process&) = delete;
  ~cli_process() {
    if (pid_ > 0) signal_and_wait(SIGKILL);
    for (auto& t : readers_)
      t.join();
  }

  pid_t pid() const { return pid_; }

  // Sends `sig` and reaps the process; returns its exit code (-1 when a signal ended it).
  int signal_and_wait(int sig) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }

  std::vector<std::string> out_lines() const {
    std::lock_guard lock(mutex_);
    return out_;
  }
  std::vector<std::string> err_lines() const {
    std::lock_guard lock(mutex_);
    return err_;
  }

  // Waits until some stderr (or stdout) line satisfies `pred`, at most `timeout`.
  bool wait_err(const std::function<bool(const std::string&)>& pred,
                std::chrono::milliseconds timeout) {
    return wait(err_, pred, timeout);
  }
  bool wait_out(const std::function<bool(const std::vector<std::string>&)>& pred,
                std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(out_); });
  }

 private:
  bool wait(const std::vector<std::string>& lines,
            const std::function<bool(const std::string&)>& pred,
            std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const auto& l : lines) {
        if (pred(l)) return true;
      }
      return false;
    });
  }

  void read_lines(int fd, std::vector<std::string>& into) {
    std::string partial;
    char buf[4096];
    while (true) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;  // the process ended (or was killed): its output is complete
      partial.append(buf, static_cast<std::size_t>(n));
      std::size_t eol;
      std::lock_guard lock(mutex_);
      while ((eol = partial.find('\n')) != std::string::npos) {
        into.push_back(partial.substr(0, eol));
        partial.erase(0, eol + 1);
      }
      changed_.notify_all();
    }
    ::close(fd);
  }

  pid_t pid_ = -1;
  int exit_code_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> out_;
  std::vector<std::string> err_;
  std::vector<std::thread> readers_;
};

}  // namespace cairn::testing
