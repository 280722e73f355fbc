#include "engine/commands/registry.h"

namespace cairn::engine {

void RegisterAllCommands(CommandTable& t) {
  RegisterConnectionCommands(t);
  RegisterStringCommands(t);
  RegisterBitmapCommands(t);
  RegisterListCommands(t);
  RegisterHashCommands(t);
  RegisterSetCommands(t);
  RegisterZSetCommands(t);
  RegisterStreamCommands(t);
  RegisterSortCommands(t);
  RegisterHyperLogLogCommands(t);
  RegisterGeoCommands(t);
  RegisterKeyspaceCommands(t);
  RegisterServerCommands(t);
  RegisterDebugCommands(t);
  RegisterScriptingCommands(t);
  RegisterTransactionCommands(t);
  RegisterPubSubCommands(t);
  RegisterOpsCommands(t);
  RegisterAclCommands(t);
  RegisterReplicationCommands(t);
}

}  // namespace cairn::engine
