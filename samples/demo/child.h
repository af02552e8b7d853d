// child: a program the demo starts (the broker, a service), stopped by its PID. Its stdout is read
// by a thread that copies it to a log file and wakes whoever waits for a line (the "listening on"
// line that tells where it serves); its stderr goes to the same log. It dies with the demo
// (PR_SET_PDEATHSIG), so a demo that crashes leaves nothing running. Linux sends that signal when
// the THREAD that started the child ends: start children from a thread that lives as long as they
// should (the main thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace samples::demo {

class child {
 public:
  // argv[0] is the program's path. Throws std::runtime_error when it cannot be started.
  child(std::vector<std::string> argv, const std::filesystem::path& log);
  ~child();  // kill() if still running
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  // The first stdout line containing `text`, waiting up to `timeout`; nullopt if the child ended
  // or the time ran out first.
  std::optional<std::string> wait_for_line(const std::string& text,
                                           std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it has not ended after `grace`. Returns the wait status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  int kill();
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

 private:
  void drain(int fd, int log_fd);
  int reap(int sig, std::chrono::milliseconds grace);

  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool ended_ = false;  // stdout reached end of file
};

// Runs a program to its end with stderr shared with ours (so a progress bar shows on the
// terminal) and returns its stdout and wait status.
struct finished {
  int status = -1;
  std::string out;
};
finished run_to_end(std::vector<std::string> argv);

// "host:port" from a "... listening on http://host:port" or "... listening on host:port" line.
std::string address_in(const std::string& line);

}  // namespace samples::demo
