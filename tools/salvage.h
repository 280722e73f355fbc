// Salvage after damage to synced data in a log (issue 18, doc/tools.md
// "Salvage"): `cairn check --repair` with --truncate-at-damage or
// --skip-damaged. Torn tails are not this: --repair cuts them as before.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/common.h"

namespace cairn::tools {

struct SalvageOptions {
  bool truncate = false;       // --truncate-at-damage
  bool skip = false;           // --skip-damaged
  bool keep_readable = false;  // --keep-readable: a damaged base RDB
  bool yes = false;            // --yes: no question asked
};

// `files` is the log in replay order, `index` the file the reader found
// damaged, `manifest_dir`/`manifest` where its manifest is ("" for a loose
// file). Explains the choices and, with one of them chosen (and confirmed),
// applies it. Returns the exit code: 0 repaired, 1 not (damage remains).
int Salvage(const std::vector<LogFile>& files, size_t index, const std::string& manifest_dir,
            const std::string& manifest, const SalvageOptions& options);

// A damaged RDB base (`files[0]`): says how far it can be read and, with
// --keep-readable (confirmed), rewrites it with the keys read before the
// damage, the original kept as `<base>.damaged`.
int SalvageBase(const std::vector<LogFile>& files, const std::string& manifest_dir,
                const std::string& manifest, const SalvageOptions& options);

}  // namespace cairn::tools
