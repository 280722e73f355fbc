// The real cairn-server, driven through hiredis and raw sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/cairn_process.h"

namespace cairn::testing {
namespace {

std::string Str(const ReplyPtr& r) {
  if (!r) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
    case REDIS_REPLY_STRING:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    default:
      return "<aggregate>";
  }
}

// A raw TCP client, for what hiredis will not send (garbage, inline text).
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Reads until `want` bytes arrived or the peer closed. Returns what came.
  std::string Read(size_t want) {
    std::string out;
    char buf[65536];
    while (out.size() < want) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = n == 0;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // No more requests from us (the way `nc -N` ends its input).
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }
  // The server closed the connection: an orderly end, or a reset when it
  // closed with bytes of ours still unread (as Redis does too).
  bool PeerClosed() {
    char c;
    ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

TEST(ServerTest, SetAndGetThroughHiredis) {
  CairnProcess server;
  auto c = server.Connect();
  EXPECT_EQ(Str(Call(c.get(), {"PING"})), "PONG");
  EXPECT_EQ(Str(Call(c.get(), {"SET", "a", "1"})), "OK");
  EXPECT_EQ(Str(Call(c.get(), {"GET", "a"})), "1");
  std::string binary("x\0y\r\nz", 6);
  EXPECT_EQ(Str(Call(c.get(), {"SET", binary, binary})), "OK");
  EXPECT_EQ(Str(Call(c.get(), {"GET", binary})), binary);
}

// Pub/sub through hiredis: two subscribers (one by channel, one by
// pattern) each get what a third client publishes, as hiredis parses it.
TEST(ServerTest, PubSubThroughHiredis) {
  CairnProcess server;
  auto by_channel = server.Connect();
  auto by_pattern = server.Connect();
  auto pub = server.Connect();
  ReplyPtr r = Call(by_channel.get(), {"SUBSCRIBE", "news.sport"});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3);
  r = Call(by_pattern.get(), {"PSUBSCRIBE", "news.*"});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3);
  EXPECT_EQ(Str(Call(pub.get(), {"PUBLISH", "news.sport", "goal"})), "2");
  EXPECT_EQ(Str(Call(pub.get(), {"PUBLISH", "news.weather", "rain"})), "1");
  void* raw = nullptr;
  ASSERT_EQ(redisGetReply(by_channel.get(), &raw), REDIS_OK);
  ReplyPtr m(static_cast<redisReply*>(raw));
  ASSERT_EQ(m->elements, 3u);
  EXPECT_EQ(std::string(m->element[0]->str), "message");
  EXPECT_EQ(std::string(m->element[2]->str), "goal");
  for (const char* want : {"goal", "rain"}) {
    raw = nullptr;
    ASSERT_EQ(redisGetReply(by_pattern.get(), &raw), REDIS_OK);
    ReplyPtr pm(static_cast<redisReply*>(raw));
    ASSERT_EQ(pm->elements, 4u);
    EXPECT_EQ(std::string(pm->element[0]->str), "pmessage");
    EXPECT_EQ(std::string(pm->element[1]->str), "news.*");
    EXPECT_EQ(std::string(pm->element[3]->str), want);
  }
}

TEST(ServerTest, PipelinesTenThousandCommands) {
  CairnProcess server;
  auto c = server.Connect();
  const int n = 10000;
  for (int i = 0; i < n; i++) {
    redisAppendCommand(c.get(), "SET key:%d %d", i, i);
  }
  for (int i = 0; i < n; i++) {
    void* r = nullptr;
    ASSERT_EQ(redisGetReply(c.get(), &r), REDIS_OK);
    ReplyPtr reply(static_cast<redisReply*>(r));
    ASSERT_EQ(Str(reply), "OK");
  }
  EXPECT_EQ(Str(Call(c.get(), {"DBSIZE"})), std::to_string(n));
  EXPECT_EQ(Str(Call(c.get(), {"GET", "key:9999"})), "9999");
}

TEST(ServerTest, InlineCommandsWorkLikeTelnet) {
  CairnProcess server;
  RawClient raw(server.port());
  ASSERT_TRUE(raw.connected());
  raw.Send("PING\r\nSET greeting \"hello world\"\nGET greeting\r\n");
  EXPECT_EQ(raw.Read(30), "+PONG\r\n+OK\r\n$11\r\nhello world\r\n");
}

TEST(ServerTest, ProtocolErrorClosesOnlyThatConnection) {
  CairnProcess server;
  auto good = server.Connect();
  EXPECT_EQ(Str(Call(good.get(), {"SET", "k", "v"})), "OK");
  RawClient bad(server.port());
  bad.Send("*1\r\n$abc\r\n");
  EXPECT_EQ(bad.Read(1000), "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(bad.PeerClosed());
  EXPECT_EQ(Str(Call(good.get(), {"GET", "k"})), "v");
}

TEST(ServerTest, ProtoMaxBulkLenIsEnforced) {
  CairnProcess server({"--proto-max-bulk-len", "1mb"});
  RawClient raw(server.port());
  raw.Send("*2\r\n$4\r\nECHO\r\n$1048577\r\n");
  EXPECT_EQ(raw.Read(1000), "-ERR Protocol error: invalid bulk length\r\n");
  auto c = server.Connect();
  std::string big(1024 * 1024, 'b');
  EXPECT_EQ(Str(Call(c.get(), {"ECHO", big})), big);
}

// A client that shuts down its sending side right after its commands still
// gets every reply, those held for the log (appendfsync always) included,
// then the server closes: `printf 'SET a 1\r\n' | nc -N host port` works.
TEST(ServerTest, HalfClosedClientStillGetsItsReplies) {
  CairnProcess server;
  RawClient raw(server.port());
  raw.Send("SET a 1\r\nINCR n\r\nGET a\r\n");
  raw.ShutdownWrite();
  EXPECT_EQ(raw.Read(100), "+OK\r\n:1\r\n$1\r\n1\r\n");
  EXPECT_TRUE(raw.PeerClosed());
  EXPECT_EQ(Str(server.Command({"GET", "n"})), "1");
}

TEST(ServerTest, QueryBufferLimitClosesTheGreedyClient) {
  CairnProcess server({"--client-query-buffer-limit", "1mb"});
  RawClient raw(server.port());
  // A command that never completes: many arguments of 64 KiB each.
  raw.Send("*100\r\n");
  std::string arg = "$65536\r\n" + std::string(65536, 'q') + "\r\n";
  for (int i = 0; i < 20; i++) raw.Send(arg);
  EXPECT_TRUE(raw.PeerClosed());
  EXPECT_EQ(Str(server.Command({"PING"})), "PONG");
  EXPECT_NE(server.Log().find("max query buffer"), std::string::npos);
}

TEST(ServerTest, MaxClientsRejectsTheExtraClient) {
  CairnProcess server({"--maxclients", "2"});
  auto a = server.Connect();
  auto b = server.Connect();
  EXPECT_EQ(Str(Call(a.get(), {"PING"})), "PONG");
  EXPECT_EQ(Str(Call(b.get(), {"PING"})), "PONG");
  RawClient third(server.port());
  EXPECT_EQ(third.Read(100), "-ERR max number of clients reached\r\n");
}

TEST(ServerTest, ShutdownStopsTheServer) {
  CairnProcess server;
  auto c = server.Connect();
  auto r = Call(c.get(), {"SHUTDOWN", "NOSAVE"});
  EXPECT_EQ(r, nullptr);  // the connection closes without a reply, as with Redis
  int status = server.WaitExit(5000);
  ASSERT_NE(status, -1) << "still running after SHUTDOWN";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServerTest, SigtermStopsCleanly) {
  CairnProcess server;
  server.Kill(SIGTERM);
  int status = server.WaitExit(5000);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServerTest, UnknownOptionIsNamedAndRefused) {
  CairnProcess server({"--frobnicate", "yes"}, /*wait_ready=*/false);
  int status = server.WaitExit(5000);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
  // Redis's block: where, the line as the command line made it, why.
  EXPECT_NE(server.Log().find("Reading the command line, at line "), std::string::npos)
      << server.Log();
  EXPECT_NE(server.Log().find(">>> 'frobnicate \"yes\"'\nBad directive or wrong number of "
                              "arguments"),
            std::string::npos)
      << server.Log();
}

TEST(ServerTest, ConfigFileThenArguments) {
  char path[] = "/tmp/cairn-conf-XXXXXX";
  int fd = mkstemp(path);
  std::string text = "# a redis.conf\ndatabases 4\nappendfsync \"everysec\"\nmaxclients 77\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  {
    // The config file must come first, as with redis-server; CairnProcess
    // puts its own --port/--dir before ours, so start by hand.
    int port = FreePort();
    char dir[] = "/tmp/cairn-conf-dir-XXXXXX";
    mkdtemp(dir);
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execl(CAIRN_SERVER_PATH, CAIRN_SERVER_PATH, path, "--port", std::to_string(port).c_str(),
            "--bind", "127.0.0.1", "--dir", dir, "--maxclients", "88", nullptr);
      _exit(127);
    }
    redisContext* c = nullptr;
    for (int i = 0; i < 100; i++) {
      c = redisConnect("127.0.0.1", port);
      if (c && c->err == 0) break;
      if (c) redisFree(c);
      c = nullptr;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_NE(c, nullptr);
    auto r = Call(c, {"CONFIG", "GET", "databases"});
    ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
    EXPECT_EQ(std::string(r->element[1]->str), "4");
    r = Call(c, {"CONFIG", "GET", "appendfsync"});
    EXPECT_EQ(std::string(r->element[1]->str), "everysec");
    r = Call(c, {"CONFIG", "GET", "maxclients"});
    EXPECT_EQ(std::string(r->element[1]->str), "88");  // the argument wins
    EXPECT_EQ(Str(Call(c, {"SELECT", "4"})), "ERR DB index is out of range");
    redisFree(c);
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    std::filesystem::remove_all(dir);
  }
  unlink(path);
}

TEST(ServerTest, InfoReportsSections) {
  CairnProcess server;
  auto c = server.Connect();
  Call(c.get(), {"SET", "a", "1"});
  std::string info = Str(Call(c.get(), {"INFO"}));
  EXPECT_NE(info.find("# Server\r\nredis_version:7.0.15\r\n"), std::string::npos);
  EXPECT_NE(info.find("tcp_port:" + std::to_string(server.port())), std::string::npos);
  EXPECT_NE(info.find("connected_clients:1\r\n"), std::string::npos);
  EXPECT_NE(info.find("db0:keys=1,expires=0"), std::string::npos);
  std::string only = Str(Call(c.get(), {"INFO", "keyspace"}));
  EXPECT_EQ(only, "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");
}

TEST(ServerTest, ClientsSeeTheirOwnDatabaseAndName) {
  CairnProcess server;
  auto a = server.Connect();
  auto b = server.Connect();
  EXPECT_EQ(Str(Call(a.get(), {"SELECT", "5"})), "OK");
  EXPECT_EQ(Str(Call(a.get(), {"SET", "k", "five"})), "OK");
  EXPECT_EQ(Str(Call(b.get(), {"GET", "k"})), "(nil)");
  EXPECT_EQ(Str(Call(a.get(), {"CLIENT", "SETNAME", "alpha"})), "OK");
  EXPECT_EQ(Str(Call(b.get(), {"CLIENT", "GETNAME"})), "(nil)");
  auto ida = Call(a.get(), {"CLIENT", "ID"});
  auto idb = Call(b.get(), {"CLIENT", "ID"});
  EXPECT_NE(ida->integer, idb->integer);
}

}  // namespace
}  // namespace cairn::testing
