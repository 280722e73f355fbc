// cairn-server [config-file] [--name value ...]
//
// Reads the configuration like redis-server (a redis.conf-style file, then
// `--name value` arguments that override it), enters the data directory,
// and runs the engine thread's io_context until SIGTERM, SIGINT or SHUTDOWN.
#include <sys/stat.h>
#include <unistd.h>

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange
#include <boost/asio.hpp>
#include <cerrno>
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
#include "frontend/listener.h"

namespace {

using cairn::base::Status;

// Connects the append-only log to the io_context: its completion eventfd is
// watched, flushes requested by appends are posted (so every command ready
// in this loop pass joins the batch), and durability releases held replies.
class AofDriver {
 public:
  AofDriver(boost::asio::io_context* io, cairn::engine::Aof* aof,
            cairn::frontend::Listener* listener)
      : io_(io), aof_(aof), listener_(listener) {
    aof_->set_request_flush([this] { boost::asio::post(*io_, [this] { aof_->Flush(); }); });
    aof_->set_on_durable([this](uint64_t seq) { listener_->OnDurable(seq); });
    aof_->set_overlap_gate([this] { return listener_->AllWaiting(); });
    aof_->set_inline_gate([this] { return listener_->AllWaiting(); });
    aof_->set_on_event_fd_change([this] { Watch(); });
    Watch();
  }
  ~AofDriver() {
    aof_->set_request_flush(nullptr);
    aof_->set_on_durable(nullptr);
    aof_->set_overlap_gate(nullptr);
    aof_->set_inline_gate(nullptr);
    aof_->set_on_event_fd_change(nullptr);
  }
  AofDriver(const AofDriver&) = delete;
  AofDriver& operator=(const AofDriver&) = delete;

 private:
  void Watch() {
    if (desc_) {
      boost::system::error_code ec;
      desc_->cancel(ec);
      desc_->close(ec);
      desc_.reset();
    }
    int fd = aof_->event_fd();
    if (fd < 0) return;
    // Asio owns (and closes) what it watches: give it a duplicate.
    desc_ = std::make_unique<boost::asio::posix::stream_descriptor>(*io_, dup(fd));
    Arm();
  }
  void Arm() {
    auto* d = desc_.get();
    // A read of the eventfd's counter rather than async_wait: Asio tries a
    // read at once and keeps the epoll registration, where every async_wait
    // costs an epoll_ctl (about 3% of the machine under `always`, perf).
    d->async_read_some(boost::asio::buffer(&counter_, sizeof(counter_)),
                       [this, d](const boost::system::error_code& ec, size_t) {
                         if (ec || d != desc_.get()) return;
                         aof_->OnIoEvent();
                         Arm();
                       });
  }

  boost::asio::io_context* io_;
  cairn::engine::Aof* aof_;
  cairn::frontend::Listener* listener_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> desc_;
  uint64_t counter_ = 0;  // the eventfd's count, read and dropped
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
  // Declared after the engine so it is destroyed first: the connections its
  // pending handlers still hold detach from a live engine.
  boost::asio::io_context io(1);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) eng.server().executable.assign(exe, static_cast<size_t>(n));
  eng.server().config_file = config_file;

  bool stopping = false;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer cron(io);
  std::function<void()> stop;
  cairn::frontend::Listener listener(&io, &eng, [&] {
    CAIRN_LOG_NOTICE("User requested shutdown...");
    stop();
  });
  stop = [&] {
    if (stopping) return;
    stopping = true;
    listener.Stop();
    signals.cancel();
    cron.cancel();
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
    io.stop();
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
  AofDriver driver(&io, &aof, &listener);
  if (Status s = listener.Listen(v.bind, static_cast<int>(v.port)); !s.ok()) {
    CAIRN_LOG_WARNING("%s", s.message().c_str());
    return 1;
  }
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    CAIRN_LOG_NOTICE("Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    stop();
  });
  // serverCron's counterpart: the log's periodic work, `hz` times a second.
  std::function<void()> arm_cron = [&] {
    int64_t hz = std::max<int64_t>(1, std::min<int64_t>(500, config.values().hz));
    cron.expires_after(std::chrono::milliseconds(1000 / hz));
    cron.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
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
  io.run();
  CAIRN_LOG_NOTICE("Cairn is now ready to exit, bye bye...");
  return 0;
}
