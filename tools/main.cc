// cairn: the offline tools (doc/tools.md). Run as cairn-check, it is
// `cairn check`, the name the server's messages and older scripts use.
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/commands.h"
#include "tools/common.h"

namespace {

int Usage(FILE* out, int code) {
  std::fputs(
      "Usage: cairn <command> ...  (doc/tools.md)\n"
      "  check   PATH [--repair [--truncate-at-damage | --skip-damaged | --keep-readable] "
      "[--yes]]\n"
      "               [--quiet]\n"
      "  export  PATH [--format json|resp|csv|keys] [--db N]... [--key GLOB] [--type TYPE]...\n"
      "               [-o FILE] [--quiet]\n"
      "  report  PATH [--format text|json|csv] [--top N] [-o FILE] [--quiet]\n"
      "  restore SOURCE... (--dir NEWDIR | --to HOST:PORT [--auth PASSWORD])\n"
      "               [--until SEQ|TIME] [--quiet]\n"
      "PATH: an RDB file, an AOF file, a manifest, or a data directory.\n"
      "Exit: 0 done, 1 damage found, 2 usage or I/O error, 3 the server refused commands.\n",
      out);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn::tools;
  const char* slash = std::strrchr(argv[0], '/');
  const std::string self = slash != nullptr ? slash + 1 : argv[0];
  std::string command;
  int first = 2;
  if (self == "cairn-check") {
    command = "check";
    first = 1;
  } else if (argc < 2) {
    return Usage(stderr, kUsage);
  } else {
    command = argv[1];
  }
  if (command == "-h" || command == "--help" || command == "help") return Usage(stdout, kOk);
  Args args(argc, argv, first);
  if (args.Flag("-h") || args.Flag("--help")) return Usage(stdout, kOk);
  SetCommandName(command);
  if (command == "check") return RunCheck(args);
  if (command == "export") return RunExport(args);
  if (command == "report") return RunReport(args);
  if (command == "restore") return RunRestore(args);
  std::fprintf(stderr, "cairn: unknown command '%s'\n", command.c_str());
  return Usage(stderr, kUsage);
}
