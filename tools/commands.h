// The `cairn` commands (doc/tools.md); each returns the exit code.
#pragma once

#include "tools/common.h"

namespace cairn::tools {

int RunCheck(Args& args);
int RunExport(Args& args);
int RunReport(Args& args);
int RunRestore(Args& args);

}  // namespace cairn::tools
