#!/usr/bin/env bash
# Replication, Cairn -> Cairn beside Redis -> Redis (issue 13), in one run.
# Each round, for each kind (order swapping every round), one fresh primary
# and one fresh replica of the same kind, persistence off on both
# (--appendonly no --save ""), on 127.0.0.1 only:
#   1. the primary gets KEYS string keys (redis-cli --pipe);
#   2. SET throughput on the primary alone (redis-benchmark -c 50);
#   3. a replica is started with --replicaof: full sync time, from its exec
#      until it reports master_link_status:up with the primary's DBSIZE (polled
#      every 10 ms); both primaries get repl-diskless-sync-delay 0 so that
#      they do not wait 5 s for more replicas (both stream the RDB diskless);
#   4. SET throughput on the primary with the replica attached, and how long
#      the replica then takes to reach the primary's offset.
# Prints medians: full sync seconds, throughput alone and with a replica
# (and their ratio: issue 13's target is >= 0.90), catch-up ms.
#
# Environment (all optional): CAIRN_SERVER, REDIS_SERVER, REDIS_BENCHMARK,
# REDIS_CLI, PYTHON, BENCH_TIMEOUT as in compare.sh, and
#   ROUNDS    rounds                     (default 3)
#   KEYS      keys in the dataset        (default 1000000)
#   REQUESTS  SETs per throughput run    (default 200000)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROUNDS="${ROUNDS:-3}"
KEYS="${KEYS:-1000000}"
REQUESTS="${REQUESTS:-200000}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"
need_servers
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
need_posint ROUNDS
need_posint KEYS
need_posint REQUESTS

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
results="${work}/results"  # lines: <kind> <metric> <value>
: > "${results}"
replica_traps  # (lib.sh: replica_pid, stop_replica)

resp="${work}/dataset.resp"
"${PYTHON}" - "${KEYS}" "${resp}" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "wb") as f:
    for i in range(n):
        k = b"key:%d" % i
        v = b"value-%032d" % i
        f.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
EOF

one_round() {  # one_round <cairn|redis> <round>
  local kind="$1" round="$2" dir="${work}/${1}-r${2}"
  mkdir -p "${dir}/p" "${dir}/r"
  port="$(free_port)"
  local -a cmd
  server_cmd "${kind}" "${dir}/p"
  launch_server "${kind} primary" "${dir}/p" "${cmd[@]}"
  local primary_port="${port}"
  run_step "${dir}/p" "${resp}" "${dir}/pipe.out" "fill ${kind}" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  run_benchmark "${dir}/p" "${dir}/alone.csv" "${kind} alone" -q --csv -t set -c 50 \
    -n "${REQUESTS}" -r 100000
  echo "${kind} alone $(csv_rps "${dir}/alone.csv" SET)" >> "${results}"

  local rport
  rport="$(free_port)"
  local -a rcmd
  port="${rport}"
  server_cmd "${kind}" "${dir}/r"
  rcmd=("${cmd[@]}" --replicaof 127.0.0.1 "${primary_port}")
  port="${primary_port}"
  # The delay is the primary's option: set it there.
  cli config set repl-diskless-sync-delay 0 > /dev/null
  local t0 t1 keys
  keys="$(cli dbsize)"  # the fill's keys plus what the benchmark's SETs made
  t0="$(date +%s.%N)"
  "${rcmd[@]}" > "${dir}/r/server.log" 2>&1 &
  replica_pid=$!
  local deadline=$((SECONDS + BENCH_TIMEOUT))
  while :; do
    if [[ "$(info_field "${rport}" replication master_link_status)" == up &&
          "$(timeout 5 "${REDIS_CLI}" -h 127.0.0.1 -p "${rport}" dbsize 2>/dev/null)" == "${keys}" ]]; then
      break
    fi
    kill -0 "${replica_pid}" 2>/dev/null || { cat "${dir}/r/server.log" >&2; die "${kind} replica exited"; }
    ((SECONDS < deadline)) || die "${kind} replica not in sync after ${BENCH_TIMEOUT}s"
    sleep 0.01
  done
  t1="$(date +%s.%N)"
  echo "${kind} sync_s $(awk -v a="${t0}" -v b="${t1}" 'BEGIN { printf "%.3f", b - a }')" >> "${results}"

  run_benchmark "${dir}/p" "${dir}/with.csv" "${kind} with a replica" -q --csv -t set -c 50 \
    -n "${REQUESTS}" -r 100000
  echo "${kind} with $(csv_rps "${dir}/with.csv" SET)" >> "${results}"
  t0="$(date +%s.%N)"
  local want
  want="$(info_field "${primary_port}" replication master_repl_offset)"
  while [[ "$(info_field "${rport}" replication slave_repl_offset)" != "${want}" ]]; do
    ((SECONDS < deadline)) || die "${kind} replica never caught up"
    sleep 0.005
  done
  t1="$(date +%s.%N)"
  echo "${kind} catchup_ms $(awk -v a="${t0}" -v b="${t1}" 'BEGIN { printf "%.0f", (b - a) * 1000 }')" >> "${results}"
  stop_replica
  stop_server
  grep "^${kind} " "${results}" | tail -4 | sed "s/^/  round ${round}  /" >&2
}

echo "rounds=${ROUNDS} keys=${KEYS} requests=${REQUESTS}" >&2
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for kind in "${order[@]}"; do one_round "${kind}" "${round}"; done
done

echo
ratio_rows 34 sync_s alone with catchup_ms
printf '%-34s %14s %14s\n' "with/alone (target >= 0.90)" \
  "$(ratio "$(med cairn with)" "$(med cairn alone)")" "$(ratio "$(med redis with)" "$(med redis alone)")"
echo "(medians of ${ROUNDS} rounds; sync_s: replica exec to in sync with ${KEYS} keys; alone/with: SET ops/s at 50 clients; catchup_ms: after the with-replica run)"
