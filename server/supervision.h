// Running as a daemon and under a service manager, as redis-server 7.0
// does: `daemonize yes` (fork, detach, standard streams to /dev/null), the
// pidfile, and the readiness protocols of systemd (sd_notify datagrams to
// $NOTIFY_SOCKET) and upstart (the server stops itself with SIGSTOP once it
// is ready). No libsystemd: the notify protocol is one datagram.
//
// Start-up thread only (before the event loop runs), except Notify, which
// the engine thread may call at any time.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace cairn::server {

enum class Supervisor { kNone, kUpstart, kSystemd };

// `supervised` as configured (no, upstart, systemd, auto) and the
// environment: who, if anyone, waits for this process to be ready. `auto`
// picks upstart when UPSTART_JOB is set, systemd when NOTIFY_SOCKET is.
// An explicit mode whose variable is missing means no supervisor (Redis
// logs that and carries on; so do we).
Supervisor DetectSupervisor(std::string_view mode);

// Forks. The parent exits 0 at once; the child becomes a session leader
// and points stdin, stdout and stderr at /dev/null. Returns in the child.
void Daemonize();

// Writes this process's pid to `path` (with a newline). Errors name the
// path; as in Redis, a failure is logged by the caller and is not fatal.
base::Status WritePidFile(const std::string& path);

// Tells systemd about a state change ("READY=1\n", "STATUS=...\n",
// "STOPPING=1\n"). Does nothing under any other supervisor.
void Notify(Supervisor who, std::string_view state);
// Upstart's readiness protocol ("expect stop"): the process stops itself
// with SIGSTOP and upstart resumes it. Call once.
void SignalUpstartReady();

}  // namespace cairn::server
