// The configuration as redis-server 7.0.15 reads and reports it: the file
// grammar (quoting, escapes, comments, include), the command line, the
// accumulating directives, errors with their place, CONFIG GET and SET.
#include "engine/config.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "engine/config_file.h"
#include "tests/unit/engine/engine_harness.h"

namespace cairn::engine {
namespace {

using Args = std::vector<std::string>;

// A temporary directory holding config files; the test's working directory
// is restored afterwards (`dir` and include paths chdir).
class ConfigFiles {
 public:
  ConfigFiles() {
    char tmpl[] = "/tmp/cairn-config-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    char cwd[4096];
    cwd_ = getcwd(cwd, sizeof(cwd));
  }
  ~ConfigFiles() {
    (void)!chdir(cwd_.c_str());
    std::filesystem::remove_all(dir_);
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string cwd_;
};

std::string Get(const Config& c, const std::string& name) {
  auto pairs = c.Get(std::vector<std::string>{name});
  return pairs.empty() ? "<none>" : pairs[0].second;
}

// Loads `text` as a config file (and `args` as the command line).
std::optional<ConfigError> LoadText(Config* c, ConfigFiles* files, const std::string& text,
                                    const Args& args = {}) {
  return LoadConfiguration(c, files->Write("main.conf", text), false, args);
}

std::vector<std::string> Split(std::string_view line) {
  std::vector<std::string> out;
  EXPECT_TRUE(SplitConfigLine(line, &out)) << line;
  return out;
}

TEST(ConfigGrammarTest, ArgumentsSplitAsRedisSplitsThem) {
  EXPECT_EQ(Split("syslog-ident \"a b\""), (Args{"syslog-ident", "a b"}));
  EXPECT_EQ(Split(R"(x "a\x41\x4a\n\r\t\b\a\\\"z")"),
            (Args{"x", std::string("aAJ\n\r\t\b\a\\\"z")}));
  EXPECT_EQ(Split(R"(x 'it\'s')"), (Args{"x", "it's"}));
  EXPECT_EQ(Split(R"(x 'a\nb\\c\"')"), (Args{"x", R"(a\nb\\c\")"}));
  EXPECT_EQ(Split("x a\"b c\""), (Args{"x", "ab c"}));
  EXPECT_EQ(Split("x \"\" ''"), (Args{"x", "", ""}));
  EXPECT_EQ(Split(R"(x "\q\xZZ")"), (Args{"x", "qxZZ"}));
  EXPECT_EQ(Split("x foo#bar"), (Args{"x", "foo#bar"}));
  std::vector<std::string> out;
  EXPECT_FALSE(SplitConfigLine("x \"abc", &out));
  EXPECT_FALSE(SplitConfigLine("x 'abc", &out));
  EXPECT_FALSE(SplitConfigLine("x \"a\"b", &out));
  EXPECT_FALSE(SplitConfigLine("x 'a'b", &out));
  EXPECT_FALSE(SplitConfigLine(R"(x "abc\")", &out));
}

TEST(ConfigGrammarTest, CommentsBlanksCaseAndLastValueWins) {
  Config c;
  ConfigFiles f;
  auto err = LoadText(&c, &f,
                      "# Note that option \"include\" won't be rewritten\n"
                      "\n"
                      "   \t# indented comment with an unbalanced \" quote\n"
                      "   HZ \t 11  \r\n"
                      "syslog-ident first\n"
                      "\"syslog-ident\" second\n"
                      "notify-keyspace-events \"\"\n"
                      "proc-title-template \"{title} {listen-addr} {server-mode}\"\n");
  ASSERT_FALSE(err.has_value()) << FormatConfigError(*err);
  EXPECT_EQ(Get(c, "hz"), "11");
  EXPECT_EQ(Get(c, "syslog-ident"), "second");
  EXPECT_EQ(Get(c, "notify-keyspace-events"), "");
  EXPECT_EQ(Get(c, "proc-title-template"), "{title} {listen-addr} {server-mode}");
}

TEST(ConfigGrammarTest, ErrorsNameTheFileLineAndReasonAsRedisDoes) {
  struct Case {
    std::string line;
    std::string reason;
  };
  const Case cases[] = {
      {"nosuchdirective foo", "Bad directive or wrong number of arguments"},
      {"hz 10 20", "wrong number of arguments"},
      {"daemonize maybe", "argument must be 'yes' or 'no'"},
      {"hz abc", "argument couldn't be parsed into an integer"},
      {"port 99999", "argument must be between 0 and 65535 inclusive"},
      {"loglevel loud",
       "argument(s) must be one of the following: debug, verbose, notice, warning"},
      {"maxmemory 10zb", "argument must be a memory value"},
      {"syslog-ident \"abc", "Unbalanced quotes in configuration line"},
      {"save 900", "Invalid save parameters"},
      {"save 0 1", "Invalid save parameters"},
      {"sentinel monitor m 127.0.0.1 6379 2", "sentinel directive while not in sentinel mode"},
      {"mymod.opt", "Module config specified without value"},
      {"notify-keyspace-events KEa", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
      {"client-output-buffer-limit master 1 2 3",
       "Invalid client class specified in buffer limit configuration."},
      {"oom-score-adj-values 0 200 9000",
       "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
      {"appendfilename a/b", "appendfilename can't be a path, just a filename"},
      {"replicaof 127.0.0.1 99999", "Invalid master port"},
  };
  for (const Case& k : cases) {
    Config c;
    ConfigFiles f;
    auto err = LoadText(&c, &f, "port 7000\n# two\n" + k.line + "\nhz 12\n");
    ASSERT_TRUE(err.has_value()) << k.line;
    EXPECT_EQ(err->line, 3) << k.line;
    EXPECT_EQ(err->text, k.line);
    EXPECT_EQ(err->reason, k.reason) << k.line;
    EXPECT_EQ(err->where, "'" + f.dir() + "/main.conf'");
  }
  Config c;
  ConfigFiles f;
  auto err = LoadText(&c, &f, "hz 10 20\n");
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(FormatConfigError(*err),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15, cairn 0.1.0) ***\n"
            "Reading the configuration file '" +
                f.dir() +
                "/main.conf', at line 1\n"
                ">>> 'hz 10 20'\n"
                "wrong number of arguments\n");
}

TEST(ConfigGrammarTest, CommandLineLinesFollowTheFileAsInRedis) {
  EXPECT_EQ(OptionsToConfigLines(Args{"--port", "7000", "--bind", "127.0.0.1", "::1"}),
            "port \"7000\" \nbind \"127.0.0.1\" \"::1\" ");
  EXPECT_EQ(OptionsToConfigLines(Args{"--save", "--hz", "5"}), "save \"\" \nhz \"5\" ");
  EXPECT_EQ(OptionsToConfigLines(Args{"--port", "--hz", "5"}), "port \"--hz\" \"5\" ");
  EXPECT_EQ(OptionsToConfigLines(Args{"--syslog-ident", "a \"q\"\n"}),
            "syslog-ident \"a \\\"q\\\"\\n\" ");
  {
    // No file: the first option is line 2.
    Config c;
    auto err = LoadConfiguration(&c, "", false, Args{"--port", "0", "--hz", "abc"});
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->line, 3);
    EXPECT_EQ(err->where, "the command line");
    EXPECT_EQ(err->text, "hz \"abc\"");
    EXPECT_EQ(err->reason, "argument couldn't be parsed into an integer");
  }
  {
    // A 2-line file ending in a newline: options start at line 4.
    Config c;
    ConfigFiles f;
    auto err = LoadText(&c, &f, "hz 11\nport 7000\n", Args{"--hz", "abc"});
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->line, 4);
    Config d;
    ASSERT_FALSE(LoadText(&d, &f, "hz 11\nport 7000\n", Args{"--port", "7001"}).has_value());
    EXPECT_EQ(d.values().port, 7001);  // the command line overrides the file
    EXPECT_EQ(d.values().hz, 11);
  }
  {
    Config c;
    auto err = LoadConfiguration(&c, "", false, Args{"--port"});
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->line, 2);
    EXPECT_EQ(err->reason, "wrong number of arguments");
  }
}

TEST(ConfigGrammarTest, SaveAccumulatesFromTheFirstLineAndEmptyClears) {
  auto load = [](const std::string& text, const Args& args = {}) {
    Config c;
    ConfigFiles f;
    auto err = LoadText(&c, &f, text, args);
    EXPECT_FALSE(err.has_value()) << FormatConfigError(*err);
    return Get(c, "save");
  };
  EXPECT_EQ(load(""), "3600 1 300 100 60 10000");
  EXPECT_EQ(load("save 100 1\nsave 200 2\n"), "100 1 200 2");
  EXPECT_EQ(load("save 100 1\nsave \"\"\n"), "");
  EXPECT_EQ(load("save 100 1\nsave \"\"\nsave 200 2\n"), "200 2");
  EXPECT_EQ(load("save 100 1\n", Args{"--save", "200 2"}), "100 1 200 2");
  EXPECT_EQ(load("save 100 1\n", Args{"--save"}), "");
  EXPECT_EQ(load("", Args{"--save", "60", "1", "--save", "30", "2"}), "60 1 30 2");
  EXPECT_EQ(load("save +10 01\n"), "10 1");
}

TEST(ConfigGrammarTest, SpecialValuesAreShownAsRedisShowsThem) {
  Config c;
  ConfigFiles f;
  auto err = LoadText(&c, &f,
                      "client-output-buffer-limit normal 0 0 0\n"
                      "client-output-buffer-limit replica 1gb 512mb 30\n"
                      "client-output-buffer-limit pubsub 1k 2kb 0\n"
                      "notify-keyspace-events xg$lshzetdnKEm\n"
                      "oom-score-adj relative\n"
                      "bind 127.0.0.1 -::1\n"
                      "auto-aof-rewrite-min-size 64mb\n"
                      "maxmemory 1g\n"
                      "maxmemory-clients 10%\n"
                      "unixsocketperm 0770\n"
                      "latency-tracking-info-percentiles 50 99.5 100\n"
                      "shutdown-on-sigterm force save\n"
                      "replicaof 10.0.0.1 6380\n"
                      "hz 100000\n"
                      "list-max-ziplist-entries 512\n"
                      "lua-replicate-commands banana\n");
  ASSERT_FALSE(err.has_value()) << FormatConfigError(*err);
  EXPECT_EQ(Get(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 1073741824 536870912 30 pubsub 1000 2048 0");
  EXPECT_EQ(c.values().output_limit(ClientClass::kPubsub).hard, 1000);
  EXPECT_EQ(Get(c, "notify-keyspace-events"), "AKEm");
  EXPECT_EQ(Get(c, "oom-score-adj"), "yes");
  EXPECT_EQ(Get(c, "bind"), "127.0.0.1 -::1");
  EXPECT_EQ(Get(c, "auto-aof-rewrite-min-size"), "67108864");
  EXPECT_EQ(Get(c, "maxmemory"), "1000000000");
  EXPECT_EQ(Get(c, "maxmemory-clients"), "10%");
  EXPECT_EQ(Get(c, "unixsocketperm"), "770");
  EXPECT_EQ(Get(c, "latency-tracking-info-percentiles"), "50 99.5 100");
  EXPECT_EQ(Get(c, "shutdown-on-sigterm"), "save force");
  EXPECT_EQ(Get(c, "slaveof"), "10.0.0.1 6380");
  EXPECT_EQ(Get(c, "hz"), "500");  // clamped once read, as Redis does
}

TEST(ConfigIncludeTest, IncludesNestAndResolveAgainstTheWorkingDirectory) {
  Config c;
  ConfigFiles f;
  std::filesystem::create_directory(f.dir() + "/sub");
  f.Write("sub/inner.conf", "syslog-ident inner\nhz 13\n");
  f.Write("sub/outer.conf", "include inner.conf\nport 7002\n");
  f.Write("frag1.conf", "maxclients 100\n");
  f.Write("frag2.conf", "maxclients 200\n");
  // `dir` moves the working directory: the include after it is read there.
  auto err = LoadText(&c, &f,
                      "hz 12\n"
                      "dir " + f.dir() + "/sub\n"
                      "include outer.conf\n"
                      "include " + f.dir() + "/frag*.conf\n"
                      "include " + f.dir() + "/nomatch*.conf\n");
  ASSERT_FALSE(err.has_value()) << FormatConfigError(*err);
  EXPECT_EQ(Get(c, "syslog-ident"), "inner");
  EXPECT_EQ(Get(c, "hz"), "13");
  EXPECT_EQ(Get(c, "port"), "7002");
  EXPECT_EQ(Get(c, "maxclients"), "200");  // glob matches in order
  EXPECT_EQ(Get(c, "dir"), f.dir() + "/sub");
}

TEST(ConfigIncludeTest, ErrorsInsideAnIncludeNameThatFileAndItsLine) {
  Config c;
  ConfigFiles f;
  f.Write("err.conf", "hz 11\n\nhz bogus\n");
  auto err = LoadText(&c, &f, "port 7000\n\ninclude " + f.dir() + "/err.conf\n");
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->where, "'" + f.dir() + "/err.conf'");
  EXPECT_EQ(err->line, 3);
  EXPECT_EQ(err->text, "hz bogus");
  auto missing = LoadText(&c, &f, "include " + f.dir() + "/nope.conf\n");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->line, 1);
  EXPECT_EQ(missing->reason, "Fatal error, can't open config file '" + f.dir() +
                                 "/nope.conf': No such file or directory");
}

TEST(ConfigIncludeTest, CyclesAreRefused) {
  ConfigFiles f;
  f.Write("a.conf", "include " + f.dir() + "/b.conf\n");
  f.Write("b.conf", "hz 11\ninclude " + f.dir() + "/a.conf\n");
  Config c;
  auto err = LoadConfiguration(&c, f.dir() + "/a.conf", false, {});
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->where, "'" + f.dir() + "/b.conf'");
  EXPECT_EQ(err->line, 2);
  EXPECT_EQ(err->reason, "include cycle: '" + f.dir() + "/a.conf' includes itself");
  f.Write("self.conf", "include " + f.dir() + "/self.conf\n");
  Config d;
  EXPECT_TRUE(LoadConfiguration(&d, f.dir() + "/self.conf", false, {}).has_value());
}

TEST(ConfigTest, DefaultsAreDurableAndEveryRedisOptionExists) {
  Config c;
  EXPECT_TRUE(c.values().appendonly);
  EXPECT_EQ(c.values().fsync_policy(), FsyncPolicy::kAlways);
  EXPECT_EQ(Get(c, "appendfsync"), "always");
  EXPECT_EQ(c.values().databases, 16);
  auto all = c.Get(std::vector<std::string>{"*"});
  EXPECT_EQ(all.size(), 192u);  // 173 options and 19 aliases, as Redis 7.0.15
  EXPECT_EQ(Get(c, "watchdog-period"), "0");  // hidden: by exact name only
  EXPECT_TRUE(c.Get(std::vector<std::string>{"watchdog*"}).empty());
  EXPECT_EQ(c.Get(std::vector<std::string>{"PORT"})[0].first, "PORT");  // echoed as typed
}

TEST(ConfigTest, ConfigSetIsAllOrNothingWithRedisErrors) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"CONFIG", "SET", "appendfsync", "no", "maxclients", "0"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
                  "must be between 1 and 4294967295 inclusive"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "appendfsync"}), Array({Bulk("appendfsync"), Bulk("always")}));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "appendfsync", "everysec"}), Simple("OK"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "appendfsync"}),
            Array({Bulk("appendfsync"), Bulk("everysec")}));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "databases", "3"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
                  "immutable config"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "nope", "1"}),
            Error("ERR Unknown option or number of arguments for CONFIG SET - 'nope'"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "hz", "abc", "nope", "1"}),
            Error("ERR Unknown option or number of arguments for CONFIG SET - 'nope'"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "maxmemory", "1mb", "MAXMEMORY", "2mb"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate "
                  "parameter"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "dir", "/tmp"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set "
                  "protected config"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "SLAVE-PRIORITY", "abc"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'slave-priority') - "
                  "argument couldn't be parsed into an integer"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "maxmemory", "1mb", "hz"}), Error("ERR syntax error"));
  // An alias and its option are different names: the last one wins.
  EXPECT_EQ(h.Run({"CONFIG", "SET", "hash-max-ziplist-entries", "1",
                   "hash-max-listpack-entries", "2"}),
            Simple("OK"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "hash-max-ziplist-entries"}),
            Array({Bulk("hash-max-ziplist-entries"), Bulk("2")}));
  // Multi-argument values split on single spaces.
  EXPECT_EQ(h.Run({"CONFIG", "SET", "save", "100 1 200 2"}), Simple("OK"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "save"}), Array({Bulk("save"), Bulk("100 1 200 2")}));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "save", "100  1"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
                  "parameters"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 2mb 3"}),
            Simple("OK"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "client-output-buffer-limit"}),
            Array({Bulk("client-output-buffer-limit"),
                   Bulk("normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3")}));
}

// cairn.conf documents every option at its default: uncommenting all of it
// changes nothing, and no option is left out.
TEST(ConfigTest, CairnConfNamesEveryOptionAtItsDefault) {
  std::ifstream in(std::string(CAIRN_SOURCE_DIR) + "/cairn.conf");
  ASSERT_TRUE(in) << "cairn.conf missing";
  std::set<std::string> known, shown;
  for (const auto& o : Config::Options()) known.insert(std::string(o.name));
  std::string text, line;
  while (std::getline(in, line)) {
    if (!line.starts_with("# ")) continue;
    std::vector<std::string> args;
    if (!SplitConfigLine(line.substr(2), &args) || args.empty()) continue;
    if (!known.contains(args[0]) || args.size() < 2) continue;
    shown.insert(args[0]);
    // "replicaof <masterip> <masterport>": its default (none) has no line.
    if (args[0] != "replicaof") text += line.substr(2) + "\n";
  }
  for (const auto& o : Config::Options()) {
    if (!o.hidden) {
      EXPECT_TRUE(shown.contains(std::string(o.name))) << o.name << " not in cairn.conf";
    }
  }
  Config c;
  ConfigFiles f;
  auto err = LoadText(&c, &f, text);
  ASSERT_FALSE(err.has_value()) << FormatConfigError(*err);
  for (const auto& o : Config::Options()) {
    if (o.name == "dir") continue;
    EXPECT_EQ(Get(c, std::string(o.name)), o.default_value) << o.name;
  }
}

TEST(ConfigTest, RequirepassGatesEveryCommandButAuthHelloAndQuit) {
  EngineHarness h({"--requirepass", "s3cret"});
  // The harness's client connected before requirepass applied to it? No:
  // it is created after the configuration, so it must authenticate.
  EXPECT_EQ(h.Run({"GET", "k"}), Error("NOAUTH Authentication required."));
  EXPECT_EQ(h.Run({"AUTH", "wrong"}),
            Error("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(h.Run({"AUTH", "nobody", "s3cret"}),
            Error("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(h.Run({"AUTH", "a", "b", "c"}), Error("ERR syntax error"));
  EXPECT_EQ(h.Run({"AUTH", "s3cret"}), Simple("OK"));
  EXPECT_EQ(h.Run({"GET", "k"}), Nil());
  EngineHarness open;
  EXPECT_EQ(open.Run({"AUTH", "x"}),
            Error("ERR AUTH <password> called without any password configured for the default "
                  "user. Are you sure your configuration is correct?"));
  EXPECT_EQ(open.Run({"AUTH", "default", "anything"}), Simple("OK"));
}

}  // namespace
}  // namespace cairn::engine
