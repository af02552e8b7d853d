// fault::nemesis: process faults on a child's PID, for tests that run real brokers
// (tests/support/broker_process.h starts them and owns them).
//
//   kill_9(pid)   SIGKILL: a crash (no flush, no shutdown). Returns once the kernel reports the
//                 process dead (a zombie).
//   pause(pid)    SIGSTOP: the process is frozen; its sockets stay open and the kernel keeps
//                 accepting and buffering for it (a GC pause or a hung VM, not a dead peer).
//                 Returns once the process is stopped.
//   resume(pid)   SIGCONT. Returns once it runs again.
//
// Reaping belongs to the caller, never to these functions (they do not call waitpid): a
// broker_process reaps in stop()/kill()/its destructor, which also works on a stopped process
// (SIGKILL ends a stopped process; no SIGCONT is needed). After kill_9, call
// broker_process::kill() (it reaps) or start() to restart it on a new port.
//
// Every wait is bounded (timeout_ms) and polls /proc/<pid>/stat; on expiry the result is
// std::errc::timed_out. Other errors are kill(2)'s errno (ESRCH: no such process).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <system_error>

namespace cairn::fault {

std::error_code kill_9(pid_t pid, std::int64_t timeout_ms = 5'000);
std::error_code pause(pid_t pid, std::int64_t timeout_ms = 5'000);
std::error_code resume(pid_t pid, std::int64_t timeout_ms = 5'000);

// The state letter of /proc/<pid>/stat: 'R' running, 'S' sleeping, 'T' stopped, 'Z' zombie...;
// 0 when there is no such process (reaped).
char process_state(pid_t pid);

}  // namespace cairn::fault
