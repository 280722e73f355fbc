#!/usr/bin/env bash
# Rejects an #include of a higher layer (STYLE.md §1). Linking catches calls
# across layers; this catches header-only leaks. The allowed lists follow
# ARCHITECTURE.md's graph, transitively:
#   server -> frontend -> replication -> engine -> snapshot -> types -> base
#                                          \-> wal -> protocol -> base
#   tools -> snapshot, wal, protocol, types, base
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [base]="base"
  [protocol]="protocol base"
  [types]="types base"
  [wal]="wal protocol base"
  [snapshot]="snapshot types protocol base"
  [engine]="engine snapshot wal types protocol base"
  [replication]="replication engine snapshot wal types protocol base"
  [frontend]="frontend replication engine snapshot wal types protocol base"
  [server]="server frontend replication engine snapshot wal types protocol base"
  [tools]="tools snapshot wal types protocol base"
)

status=0
for layer in "${!allowed[@]}"; do
  [ -d "$layer" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include "([^/"]+)\/.*/\1/' <<<"$line")
    ok=0
    for a in ${allowed[$layer]}; do [ "$inc" = "$a" ] && ok=1; done
    if [ $ok -eq 0 ]; then
      echo "layer violation: $line ($layer may include: ${allowed[$layer]})"
      status=1
    fi
  done < <(grep -rnE '^#include "[^/"]+/' "$layer" --include='*.h' --include='*.cc' || true)
done
if [ $status -eq 0 ]; then echo "check-layers: every include points down"; fi
exit $status
