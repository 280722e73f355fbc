// Reading a configuration the way redis-server 7.0 reads it, so that a
// redis.conf works unchanged:
//  - the text is the config file, then standard input (when asked for with
//    `-`), then the command line's `--name value ...` options turned into
//    config lines; line numbers count over that whole text, as Redis's do;
//  - each line is trimmed; a blank line or one starting with '#' is skipped
//    (quotes in a comment do not matter); the rest is split into arguments
//    as Redis splits them (double quotes with \n \r \t \b \a \\ \" \xHH
//    escapes, single quotes with \' only; a closing quote must end the
//    argument); the directive name is case-insensitive;
//  - `include PATH` reads another file (a glob reads each match, in order)
//    in place, relative to the working directory at that point (a `dir`
//    line changes it); an include cycle is an error (Redis overflows its
//    stack);
//  - `rename-command`, and the directives Cairn refuses with a reason
//    (`user`, `loadmodule`, module options, `sentinel`), are handled here;
//    every option goes to Config::Apply;
//  - the first error stops the load, reported as Redis reports it, naming
//    where the line came from.
//
// Start-up thread only.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"

namespace cairn::engine {

struct ConfigError {
  std::string where;   // "'/etc/redis/redis.conf'", "the command line", "" (not one line)
  int line = 0;        // 1-based; 0 when the error is not about one line
  std::string text;    // the line, trimmed, as written
  std::string reason;  // Redis's words
};

// The block printed to stderr before exiting 1:
//   *** FATAL CONFIG FILE ERROR (Redis 7.0.15, cairn 0.1.0) ***
//   Reading the configuration file '/x.conf', at line 3
//   >>> 'hz abc'
//   argument couldn't be parsed into an integer
std::string FormatConfigError(const ConfigError& e);

// Loads `file` (empty: none), then standard input when `read_stdin`, then
// `options` (the command line after the file) into `config`, and runs the
// checks made once everything is read. Returns the first error.
std::optional<ConfigError> LoadConfiguration(Config* config, const std::string& file,
                                             bool read_stdin,
                                             std::span<const std::string> options);

// The command line's options as config lines, as redis-server builds them:
// `--name v1 v2 --other v` becomes "name \"v1\" \"v2\" \nother \"v\" ".
std::string OptionsToConfigLines(std::span<const std::string> options);

// Splits one config line into arguments. False for unbalanced quotes.
bool SplitConfigLine(std::string_view line, std::vector<std::string>* args);

}  // namespace cairn::engine
