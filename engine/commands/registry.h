// One registration function per command family; register_all.cc calls them
// all, in one list.
#pragma once

#include "engine/command_table.h"

namespace cairn::engine {

void RegisterConnectionCommands(CommandTable& t);
void RegisterStringCommands(CommandTable& t);
void RegisterBitmapCommands(CommandTable& t);
void RegisterListCommands(CommandTable& t);
void RegisterHashCommands(CommandTable& t);
void RegisterSetCommands(CommandTable& t);
void RegisterZSetCommands(CommandTable& t);
void RegisterStreamCommands(CommandTable& t);
void RegisterSortCommands(CommandTable& t);
void RegisterHyperLogLogCommands(CommandTable& t);
void RegisterGeoCommands(CommandTable& t);
void RegisterKeyspaceCommands(CommandTable& t);
void RegisterServerCommands(CommandTable& t);
void RegisterDebugCommands(CommandTable& t);
void RegisterScriptingCommands(CommandTable& t);
void RegisterTransactionCommands(CommandTable& t);
void RegisterPubSubCommands(CommandTable& t);
void RegisterOpsCommands(CommandTable& t);
void RegisterAclCommands(CommandTable& t);
void RegisterReplicationCommands(CommandTable& t);

}  // namespace cairn::engine
