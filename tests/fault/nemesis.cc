#include "tests/fault/nemesis.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace cairn::fault {

namespace {

// Polls the process's state until `reached` holds, for at most timeout_ms. Polling, not a
// signal: the parent's SIGCHLD belongs to whoever reaps.
template <class Pred>
std::error_code wait_for_state(pid_t pid, std::int64_t timeout_ms, Pred reached) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    char state = process_state(pid);
    if (reached(state)) return {};
    if (state == 0) return std::make_error_code(std::errc::no_such_process);  // reaped meanwhile
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::make_error_code(std::errc::timed_out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::error_code send(pid_t pid, int sig) {
  if (pid <= 0) return std::make_error_code(std::errc::invalid_argument);  // never a group
  if (::kill(pid, sig) != 0) return {errno, std::generic_category()};
  return {};
}

}  // namespace

char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  // "pid (comm) S ...": comm may hold spaces and parentheses, so look after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return 0;
  return line[close + 2];
}

std::error_code kill_9(pid_t pid, std::int64_t timeout_ms) {
  if (auto ec = send(pid, SIGKILL)) return ec;
  return wait_for_state(pid, timeout_ms, [](char s) { return s == 'Z' || s == 'X' || s == 0; });
}

std::error_code pause(pid_t pid, std::int64_t timeout_ms) {
  if (auto ec = send(pid, SIGSTOP)) return ec;
  return wait_for_state(pid, timeout_ms, [](char s) { return s == 'T'; });
}

std::error_code resume(pid_t pid, std::int64_t timeout_ms) {
  if (auto ec = send(pid, SIGCONT)) return ec;
  return wait_for_state(pid, timeout_ms, [](char s) { return s != 'T' && s != 0; });
}

}  // namespace cairn::fault
