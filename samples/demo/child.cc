#include "samples/demo/child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace samples::demo {

namespace {

// After fork, in the child: become argv with stdout on `out_fd` and stderr on `err_fd`.
[[noreturn]] void become(std::vector<std::string>& argv, int out_fd, int err_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) ::_exit(127);  // the demo is already gone
  ::dup2(out_fd, STDOUT_FILENO);
  if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
  // The demo blocks SIGINT/SIGTERM in its threads; the child must not inherit the mask.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

}  // namespace

child::child(std::vector<std::string> argv, const std::filesystem::path& log) {
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log.string());
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw std::runtime_error("pipe failed");
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) become(argv, out[1], log_fd);
  ::close(out[1]);
  reader_ = std::thread([this, fd = out[0], log_fd] { drain(fd, log_fd); });
}

child::~child() {
  if (pid_ > 0) kill();
  if (reader_.joinable()) reader_.join();
}

void child::drain(int fd, int log_fd) {
  std::string partial;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    [[maybe_unused]] auto written = ::write(log_fd, buf, static_cast<std::size_t>(n));
    partial.append(buf, static_cast<std::size_t>(n));
    std::lock_guard lock(mu_);
    for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
      lines_.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
    changed_.notify_all();
  }
  ::close(fd);
  ::close(log_fd);
  std::lock_guard lock(mu_);
  ended_ = true;
  changed_.notify_all();
}

std::optional<std::string> child::wait_for_line(const std::string& text,
                                                std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::optional<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    for (const auto& l : lines_) {
      if (l.find(text) != std::string::npos) {
        found = l;
        return true;
      }
    }
    return ended_;
  });
  return found;
}

int child::reap(int sig, std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  // The child's stdout closes when it exits: wait for that (an event), then reap.
  bool exiting = false;
  {
    std::unique_lock lock(mu_);
    exiting = changed_.wait_for(lock, grace, [&] { return ended_; });
  }
  if (!exiting) ::kill(pid_, SIGKILL);  // still running after the grace period
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  return status;
}

int child::stop(std::chrono::milliseconds grace) {
  return reap(SIGTERM, grace);
}

int child::kill() {
  return reap(SIGKILL, std::chrono::seconds(5));
}

finished run_to_end(std::vector<std::string> argv) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) become(argv, out[1], -1);
  ::close(out[1]);
  finished f;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    f.out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  ::waitpid(pid, &f.status, 0);
  return f;
}

std::string address_in(const std::string& line) {
  auto at = line.find("listening on ");
  if (at == std::string::npos) return {};
  std::string rest = line.substr(at + 13);
  if (rest.starts_with("http://")) rest.erase(0, 7);
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' '))
    rest.pop_back();
  return rest;
}

}  // namespace samples::demo
