#include "engine/config_file.h"

#include <glob.h>
#include <limits.h>
#include <stdlib.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "base/string_util.h"
#include "engine/server_state.h"
#include "protocol/request_parser.h"

namespace cairn::engine {
namespace {

constexpr std::string_view kBadDirective = "Bad directive or wrong number of arguments";
const std::string kCommandLine = "the command line";

bool IsGlob(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

// The contents of `path`, or of every file its glob matches concatenated
// in order as Redis does (no separator; no match is an empty text).
// `*error` gets Redis's message for a file that cannot be opened.
bool ReadConfigFile(const std::string& path, std::string* text, std::vector<std::string>* names,
                    std::string* error) {
  std::vector<std::string> files;
  if (IsGlob(path)) {
    glob_t g{};
    if (glob(path.c_str(), GLOB_ERR | GLOB_NOSORT, nullptr, &g) == 0) {
      for (size_t k = 0; k < g.gl_pathc; k++) files.emplace_back(g.gl_pathv[k]);
      std::sort(files.begin(), files.end());
    }
    globfree(&g);
  } else {
    files.push_back(path);
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      *error = "Fatal error, can't open config file '" + f + "': " + std::strerror(errno);
      return false;
    }
    text->append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    char abs[PATH_MAX];
    names->push_back(realpath(f.c_str(), abs) != nullptr ? std::string(abs) : f);
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

class Loader {
 public:
  explicit Loader(Config* config) : config_(config) {}

  // Parses `text`. Lines up to `own_lines` belong to `where`; later ones
  // (the command line's) are reported as such.
  std::optional<ConfigError> Load(std::string_view text, const std::string& where,
                                  int own_lines) {
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      const std::string_view raw = text.substr(pos, nl - pos);
      pos = nl + 1;
      line_no++;
      const std::string_view line = Trim(raw);
      if (line.empty() || line[0] == '#') continue;
      const std::string& from = line_no <= own_lines ? where : kCommandLine;
      auto err = Directive(line, from, line_no);
      if (err) {
        return ConfigError{.where = from,
                           .line = line_no,
                           .text = std::string(line),
                           .reason = *err};
      }
      if (!pending_.has_value()) continue;
      // An include failed inside: its error stands as it is.
      auto nested = std::move(pending_);
      pending_.reset();
      return nested;
    }
    return std::nullopt;
  }

 private:
  // Applies one line. Returns the reason it is refused, if it is; an error
  // inside an included file is left in pending_.
  std::optional<std::string> Directive(std::string_view line, const std::string& where,
                                       int line_no) {
    std::vector<std::string> argv;
    if (!SplitConfigLine(line, &argv)) return "Unbalanced quotes in configuration line";
    if (argv.empty()) return std::nullopt;
    const std::string name = base::ToLower(argv[0]);
    const std::span<const std::string> args(argv.data() + 1, argv.size() - 1);
    base::Status s = config_->Apply(name, args, /*loading=*/true);
    if (s.ok()) return std::nullopt;
    if (s.code() != base::StatusCode::kNotFound) return s.message();
    const size_t argc = argv.size();
    // Redis 7.0 still takes these old names and ignores them.
    if ((name == "list-max-ziplist-entries" || name == "list-max-ziplist-value" ||
         name == "lua-replicate-commands") &&
        argc == 2) {
      return std::nullopt;
    }
    if (name == "include" && argc == 2) return Include(argv[1]);
    if (name == "rename-command" && argc == 3) {
      config_->AddRename({.from = argv[1], .to = argv[2], .source = where, .line = line_no,
                          .text = std::string(line)});
      return std::nullopt;
    }
    if (name == "user" && argc >= 2) {
      std::vector<std::string> words(argv.begin(), argv.end());
      words[0] = "user";
      config_->AddUserLine(std::move(words));
      return std::nullopt;
    }
    if (name == "loadmodule" && argc >= 2) return "cairn cannot load Redis modules";
    if (name.find('.') != std::string::npos) {
      if (argc == 1) return "Module config specified without value";
      return "Module Configuration detected without loadmodule directive or no ApplyConfig "
             "call: aborting";
    }
    if (name == "sentinel") {
      if (argc == 1) return std::nullopt;
      return "sentinel directive while not in sentinel mode";
    }
    return std::string(kBadDirective);
  }

  std::optional<std::string> Include(const std::string& path) {
    std::string text, error;
    std::vector<std::string> names;
    if (!ReadConfigFile(path, &text, &names, &error)) return error;
    for (const auto& n : names) {
      for (const auto& open : chain_) {
        if (open == n) return "include cycle: '" + n + "' includes itself";
      }
    }
    const std::string saved = current_;
    current_ = names.empty() ? path : names.front();
    chain_.insert(chain_.end(), names.begin(), names.end());
    auto err = Load(text, "'" + current_ + "'", INT_MAX);
    chain_.resize(chain_.size() - names.size());
    current_ = saved;
    if (err) pending_ = std::move(err);
    return std::nullopt;
  }

 public:
  // The main file, for the include-cycle check.
  void Enter(const std::vector<std::string>& names) {
    chain_ = names;
    current_ = names.empty() ? "" : names.front();
  }

 private:
  Config* config_;
  std::vector<std::string> chain_;  // files being read, outermost first
  std::string current_;
  std::optional<ConfigError> pending_;
};

}  // namespace

bool SplitConfigLine(std::string_view line, std::vector<std::string>* args) {
  return protocol::SplitInlineArgs(line, args);
}

std::string OptionsToConfigLines(std::span<const std::string> options) {
  std::string out;
  bool need_value = false;
  for (size_t j = 0; j < options.size(); j++) {
    const std::string& tok = options[j];
    if (tok.starts_with("--") && !need_value) {
      if (!out.empty()) out += "\n";
      out += tok.substr(2) + " ";
      need_value = tok.find_first_of(" \t") == std::string::npos;
      // `--save` alone means `save ""`.
      if (base::EqualsIgnoreCase(tok, "--save") &&
          (j + 1 == options.size() || options[j + 1].starts_with("--"))) {
        out += "\"\" ";
        need_value = false;
      }
    } else {
      out += base::QuoteRepr(tok) + " ";
      need_value = false;
    }
  }
  return out;
}

std::string FormatConfigError(const ConfigError& e) {
  std::string out = std::string("\n*** FATAL CONFIG FILE ERROR (Redis ") + kRedisVersion +
                    ", cairn " + kCairnVersion + ") ***\n";
  if (e.line > 0) {
    out += "Reading " +
           (e.where == kCommandLine ? kCommandLine : "the configuration file " + e.where) +
           ", at line " + std::to_string(e.line) + "\n";
    out += ">>> '" + e.text + "'\n";
  }
  out += e.reason + "\n";
  return out;
}

std::optional<ConfigError> LoadConfiguration(Config* config, const std::string& file,
                                             bool read_stdin,
                                             std::span<const std::string> options) {
  config->BeginLoad();
  Loader loader(config);
  std::string text, error;
  std::vector<std::string> names;
  std::string where;
  if (!file.empty()) {
    if (!ReadConfigFile(file, &text, &names, &error)) return ConfigError{.reason = error};
    where = "'" + (names.size() == 1 ? names.front() : file) + "'";
  }
  if (read_stdin) {
    std::ostringstream in;
    in << std::cin.rdbuf();
    text += in.str();
    where = where.empty() ? "(standard input)" : where + " (and standard input)";
  }
  // Lines of the file (and stdin); the command line's come after.
  int own_lines = 0;
  for (char c : text) own_lines += c == '\n';
  if (!text.empty() && text.back() != '\n') own_lines++;
  if (!options.empty()) text += "\n" + OptionsToConfigLines(options);
  loader.Enter(names);
  if (auto err = loader.Load(text, where, own_lines)) return err;
  base::Status s = config->FinishLoad();
  if (!s.ok()) return ConfigError{.reason = s.message()};
  return std::nullopt;
}

}  // namespace cairn::engine
