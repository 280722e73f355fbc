// cairn-server [config-file] [--name value ...]
//
// Reads the configuration like redis-server (a redis.conf-style file, then
// `--name value` arguments that override it), enters the data directory,
// and runs the engine thread's event loop until SIGTERM, SIGINT or SHUTDOWN.
#include <sys/stat.h>
#include <unistd.h>

#include <sys/signalfd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "engine/aof.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/snapshots.h"
#include "frontend/event_loop.h"
#include "frontend/listener.h"

namespace {

using cairn::base::Status;

// Connects the append-only log to the event loop: its completion eventfd is
// watched, flushes requested by appends are posted (so every command ready
// in this loop pass joins the batch), and durability releases held replies.
class AofDriver {
 public:
  AofDriver(cairn::frontend::EventLoop* loop, cairn::engine::Aof* aof,
            cairn::frontend::Listener* listener)
      : loop_(loop), aof_(aof), listener_(listener) {
    aof_->set_request_flush([this] { loop_->Post([this] { aof_->Flush(); }); });
    aof_->set_on_durable([this](uint64_t seq) { listener_->OnDurable(seq); });
    aof_->set_commit_signals(listener_);
    aof_->set_request_flush_after([this](int64_t us) {
      const int64_t at = cairn::base::MonotonicUs() + us;
      if (flush_timer_ != 0 && flush_at_ <= at) return;  // an earlier one is pending
      loop_->Cancel(flush_timer_);
      flush_at_ = at;
      flush_timer_ = loop_->AfterUs(us, [this] {
        flush_timer_ = 0;
        aof_->Flush();
      });
    });
    listener_->set_on_all_returned([this] { loop_->Post([this] { aof_->Flush(); }); });
    aof_->set_on_event_fd_change([this] { Watch(); });
    Watch();
  }
  ~AofDriver() {
    loop_->Unwatch(fd_);
    aof_->set_request_flush(nullptr);
    aof_->set_on_durable(nullptr);
    loop_->Cancel(flush_timer_);
    listener_->set_on_all_returned(nullptr);
    aof_->set_commit_signals(nullptr);
    aof_->set_request_flush_after(nullptr);
    aof_->set_on_event_fd_change(nullptr);
  }
  AofDriver(const AofDriver&) = delete;
  AofDriver& operator=(const AofDriver&) = delete;

 private:
  void Watch() {
    loop_->Unwatch(fd_);
    fd_ = aof_->event_fd();
    if (fd_ < 0) return;
    // The writer drains the eventfd when it reaps completions.
    Status s = loop_->Watch(fd_, EPOLLIN, [this](uint32_t) { aof_->OnIoEvent(); });
    if (!s.ok()) CAIRN_LOG_WARNING("Cannot watch the log's completions: %s", s.ToString().c_str());
  }

  cairn::frontend::EventLoop* loop_;
  cairn::engine::Aof* aof_;
  cairn::frontend::Listener* listener_;
  int fd_ = -1;
  uint64_t flush_timer_ = 0;
  int64_t flush_at_ = 0;  // when flush_timer_ fires (monotonic us)
};
namespace engine = cairn::engine;

int Fatal(const std::string& msg) {
  std::fprintf(stderr, "\n*** FATAL CONFIG ERROR (cairn %s) ***\n%s\n", engine::kCairnVersion,
               msg.c_str());
  return 1;
}

void Usage() {
  std::fprintf(stderr,
               "Usage: cairn-server [/path/to/cairn.conf] [options]\n"
               "       cairn-server --version\n"
               "       cairn-server --help\n\n"
               "Options are redis.conf directives written as --name value, e.g.\n"
               "       cairn-server --port 7777 --dir ./data --appendfsync everysec\n");
}

// mkdir -p: the data directory is created on first start (`make run`).
Status MakeDirs(const std::string& path) {
  std::string cur;
  std::stringstream ss(path);
  std::string part;
  if (!path.empty() && path[0] == '/') cur = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += part + "/";
    if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IoErrorFromErrno("creating directory '" + cur + "'", errno);
    }
  }
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--version" || args[0] == "-v")) {
    std::printf("cairn-server v=%s (speaks redis %s)\n", engine::kCairnVersion,
                engine::kRedisVersion);
    return 0;
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    Usage();
    return 0;
  }

  engine::Config config;
  std::string config_file;
  if (!args.empty() && !args[0].starts_with("--")) {
    config_file = args[0];
    args.erase(args.begin());
    std::ifstream in(config_file);
    if (!in) {
      return Fatal("Can't open the config file '" + config_file + "': " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    Status s = config.LoadText(text.str());
    if (!s.ok()) return Fatal("Reading the configuration file '" + config_file + "', " + s.message());
    char abs[PATH_MAX];
    if (realpath(config_file.c_str(), abs) != nullptr) config_file = abs;
  }
  if (Status s = config.LoadArgs(args); !s.ok()) {
    return Fatal("Reading the command line arguments: " + s.message());
  }
  const auto& v = config.values();
  if (v.daemonize) {
    return Fatal("'daemonize yes' is not supported: run cairn-server under a supervisor");
  }
  if (!v.logfile.empty() && !cairn::base::SetLogFile(v.logfile)) {
    return Fatal("Can't open the log file '" + v.logfile + "': " + std::strerror(errno));
  }
  cairn::base::SetLogLevel(static_cast<cairn::base::LogLevel>(v.loglevel));
  if (Status s = MakeDirs(v.dir); !s.ok()) return Fatal(s.message());
  if (chdir(v.dir.c_str()) != 0) {
    return Fatal("Can't chdir to '" + v.dir + "': " + std::strerror(errno));
  }

  engine::Engine eng(&config);
  engine::Aof aof(&eng);
  eng.set_aof(&aof);
  engine::Snapshots snapshots(&eng);
  eng.set_snapshots(&snapshots);
  cairn::frontend::EventLoop loop;
  if (Status s = loop.Init(); !s.ok()) return Fatal(s.ToString());
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) eng.server().executable.assign(exe, static_cast<size_t>(n));
  eng.server().config_file = config_file;

  // SIGINT and SIGTERM arrive through a signalfd, handled on the loop like
  // any other event.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  const int sigfd = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) return Fatal(std::string("signalfd: ") + std::strerror(errno));

  bool stopping = false;
  uint64_t cron_timer = 0;
  std::function<void()> stop;
  // Declared after the engine so it is destroyed first: its connections
  // detach from a live engine.
  cairn::frontend::Listener listener(&loop, &eng, [&] {
    CAIRN_LOG_NOTICE("User requested shutdown...");
    stop();
  });
  stop = [&] {
    if (stopping) return;
    stopping = true;
    listener.Stop();
    loop.Unwatch(sigfd);
    loop.Cancel(cron_timer);
    // SIGTERM/SIGINT save like SHUTDOWN does when save points are set
    // (SHUTDOWN itself saved already, before replying).
    if (eng.server().shutdown == engine::ShutdownRequest::kNone &&
        !config.values().save.empty()) {
      if (!snapshots.Save().empty()) CAIRN_LOG_WARNING("Error saving the DB at shutdown");
    }
    if (Status s = aof.Shutdown(); !s.ok()) {
      CAIRN_LOG_WARNING("Error flushing the append-only log at shutdown: %s",
                        s.ToString().c_str());
    }
    loop.Stop();
  };
  // Clients that vanish mid-write must not kill the server, nor a file
  // size limit the log runs into: that is a write error (EFBIG) the log
  // reports and retries, like a full disk.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);

  CAIRN_LOG_NOTICE("Cairn %s starting (speaks redis %s), pid=%d", engine::kCairnVersion,
                   engine::kRedisVersion, static_cast<int>(getpid()));
  // As Redis: the log, when on, is the source of truth; else dump.rdb.
  if (v.appendonly) {
    if (Status s = aof.Start(); !s.ok()) {
      CAIRN_LOG_WARNING("Fatal error loading the append-only log: %s", s.ToString().c_str());
      return 1;
    }
  } else if (Status s = snapshots.Load(); !s.ok()) {
    CAIRN_LOG_WARNING("Fatal error loading the RDB file: %s", s.ToString().c_str());
    return 1;
  }
  AofDriver driver(&loop, &aof, &listener);
  if (Status s = listener.Listen(v.bind, static_cast<int>(v.port)); !s.ok()) {
    CAIRN_LOG_WARNING("%s", s.message().c_str());
    return 1;
  }
  Status watched = loop.Watch(sigfd, EPOLLIN, [&](uint32_t) {
    signalfd_siginfo info{};
    if (read(sigfd, &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) return;
    CAIRN_LOG_NOTICE("Received %s scheduling shutdown...",
                     info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
    stop();
  });
  if (!watched.ok()) return Fatal(watched.ToString());
  // serverCron's counterpart: the log's periodic work, `hz` times a second.
  std::function<void()> arm_cron = [&] {
    int64_t hz = std::max<int64_t>(1, std::min<int64_t>(500, config.values().hz));
    cron_timer = loop.After(1000 / hz, [&] {
      const int64_t now = cairn::base::NowMs();
      eng.Cron(now);
      aof.Cron(now);
      snapshots.Cron(now);
      arm_cron();
    });
  };
  arm_cron();
  listener.Start();
  CAIRN_LOG_NOTICE("Ready to accept connections tcp on port %lld",
                   static_cast<long long>(v.port));
  loop.Run();
  close(sigfd);
  CAIRN_LOG_NOTICE("Cairn is now ready to exit, bye bye...");
  return 0;
}
