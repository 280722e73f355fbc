#!/usr/bin/env bash
# A replica that was away (issue 13): Cairn -> Cairn beside Redis -> Redis,
# in one run. For each kind (Cairn first), a fresh primary and replica on
# 127.0.0.1, each as a user would run it for durability:
#   - Cairn: its defaults but appendfsync everysec (the log, which is the
#     backlog, repl-backlog-size 1mb in memory, repl-log-retention 1gb);
#   - Redis: its defaults but appendonly yes, appendfsync everysec
#     (repl-backlog-size 1mb), --save "".
# Then:
#   1. the primary gets KEYS keys; the replica syncs (full);
#   2. the replica is stopped (SIGSTOP) and its link dropped (CLIENT KILL
#      TYPE replica on the primary): it is away;
#   3. AWAY_WRITES SETs of random keys at 50 clients (redis-benchmark), as
#      fast as the primary takes them: the issue's "10 minutes at 10k SET/s"
#      is 6,000,000 writes; the pace does not change what has to be resent;
#   4. the replica goes on (SIGCONT): it reconnects and PSYNCs. Measured:
#      partial or full resync (the primary's sync_partial_ok / sync_full),
#      the seconds until its offset reaches the primary's, the bytes the
#      primary sent for it (total_net_repl_output_bytes), and that both
#      hold the same number of keys.
#
# Environment (all optional): CAIRN_SERVER, REDIS_SERVER, REDIS_BENCHMARK,
# REDIS_CLI, PYTHON, BENCH_TIMEOUT as in compare.sh, and
#   KEYS         keys before the replica goes away  (default 100000)
#   AWAY_WRITES  SETs while it is away              (default 6000000)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KEYS="${KEYS:-100000}"
AWAY_WRITES="${AWAY_WRITES:-6000000}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-900}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"
need_servers
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
need_posint KEYS
need_posint AWAY_WRITES

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
results="${work}/results"  # lines: <kind> <metric> <value>
: > "${results}"
replica_traps  # (lib.sh: replica_pid, stop_replica)

durable_cmd() {  # durable_cmd <kind> <dir>: server_cmd with the log on, everysec
  server_cmd "$1" "$2"
  local -a out=()
  local skip=0 a
  for a in "${cmd[@]}"; do
    if ((skip)); then skip=0; continue; fi
    [[ "${a}" == --appendonly ]] && { skip=1; continue; }
    out+=("${a}")
  done
  cmd=("${out[@]}" --appendonly yes --appendfsync everysec)
}

one_kind() {  # one_kind <cairn|redis>
  local kind="$1" dir="${work}/${1}"
  mkdir -p "${dir}/p" "${dir}/r"
  port="$(free_port)"
  local -a cmd
  durable_cmd "${kind}" "${dir}/p"
  launch_server "${kind} primary" "${dir}/p" "${cmd[@]}"
  local primary_port="${port}"
  run_benchmark "${dir}/p" "${dir}/fill.csv" "${kind} fill" -q --csv -t set -c 50 \
    -n "${KEYS}" -r 100000000
  local rport
  rport="$(free_port)"
  port="${rport}"
  durable_cmd "${kind}" "${dir}/r"
  "${cmd[@]}" --replicaof 127.0.0.1 "${primary_port}" > "${dir}/r/server.log" 2>&1 &
  replica_pid=$!
  port="${primary_port}"
  [[ "${kind}" == redis ]] && cli config set repl-diskless-sync-delay 0 > /dev/null
  local deadline=$((SECONDS + BENCH_TIMEOUT))
  caught_up() {
    local want
    want="$(info_field "${primary_port}" replication master_repl_offset)"
    [[ "$(info_field "${rport}" replication master_link_status)" == up &&
       "$(info_field "${rport}" replication slave_repl_offset)" == "${want}" ]]
  }
  until caught_up; do
    kill -0 "${replica_pid}" 2>/dev/null || { cat "${dir}/r/server.log" >&2; die "${kind} replica exited"; }
    ((SECONDS < deadline)) || die "${kind} replica not in sync after ${BENCH_TIMEOUT}s"
    sleep 0.05
  done

  kill -STOP "${replica_pid}"
  cli client kill type replica > /dev/null
  local sent0
  sent0="$(info_field "${primary_port}" stats total_net_repl_output_bytes)"
  run_benchmark "${dir}/p" "${dir}/away.csv" "${kind} away" -q --csv -t set -c 50 \
    -n "${AWAY_WRITES}" -r 100000000
  echo "${kind} away_rps $(csv_rps "${dir}/away.csv" SET)" >> "${results}"
  local t0 t1
  t0="$(date +%s.%N)"
  kill -CONT "${replica_pid}"
  sleep 0.2
  until caught_up; do
    kill -0 "${replica_pid}" 2>/dev/null || { cat "${dir}/r/server.log" >&2; die "${kind} replica exited"; }
    ((SECONDS < deadline)) || die "${kind} replica not back in sync after ${BENCH_TIMEOUT}s"
    sleep 0.02
  done
  t1="$(date +%s.%N)"
  local partial full sent pkeys rkeys
  partial="$(info_field "${primary_port}" stats sync_partial_ok)"
  full="$(info_field "${primary_port}" stats sync_full)"
  sent="$(info_field "${primary_port}" stats total_net_repl_output_bytes)"
  pkeys="$(cli dbsize)"
  rkeys="$(timeout 10 "${REDIS_CLI}" -h 127.0.0.1 -p "${rport}" dbsize)"
  [[ "${pkeys}" == "${rkeys}" ]] || die "${kind}: primary has ${pkeys} keys, replica ${rkeys}"
  echo "${kind} resync $( ((full > 1)) && echo full || { ((partial >= 1)) && echo partial || echo none; })" >> "${results}"
  echo "${kind} back_s $(awk -v a="${t0}" -v b="${t1}" 'BEGIN { printf "%.2f", b - a }')" >> "${results}"
  echo "${kind} resent_mb $(awk -v a="${sent0}" -v b="${sent}" 'BEGIN { printf "%.0f", (b - a) / 1048576 }')" >> "${results}"
  echo "${kind} log_mb $(du -sm "${dir}/p/appendonlydir" | cut -f1)" >> "${results}"
  stop_replica
  stop_server
  grep "^${kind} " "${results}" | sed 's/^/  /' >&2
}

echo "keys=${KEYS} away_writes=${AWAY_WRITES}" >&2
one_kind cairn
one_kind redis

get() { awk -v k="$1" -v m="$2" '$1 == k && $2 == m { print $3 }' "${results}"; }
echo
printf '%-36s %12s %12s\n' measure cairn redis
for m in away_rps resync back_s resent_mb log_mb; do
  printf '%-36s %12s %12s\n' "${m}" "$(get cairn "${m}")" "$(get redis "${m}")"
done
echo "(away_rps: SET ops/s at 50 clients while the replica was away; resync: how it came back;"
echo " back_s: SIGCONT until its offset is the primary's; resent_mb: what the primary sent it;"
echo " log_mb: the primary's appendonlydir at the end. Target: Cairn partial, Redis full.)"
