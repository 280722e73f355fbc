#!/usr/bin/env bash
# maxmemory in cache mode: cairn-server and redis-server side by side in one
# run (issue 15, "Eviction-mode throughput and hit rate under allkeys-lru and
# allkeys-lfu next to Redis's with the same maxmemory and workload"). Each
# round, for each policy and each server (the order swapping every round), a
# fresh server with persistence off, --maxmemory MAXMEMORY and the policy,
# loaded by cairn-cache-load (bench/cache_load.cc): a cache-aside client that
# GETs keys drawn from a Zipf distribution (exponent ZIPF) over KEYS keys of
# VALUE bytes and SETs what it misses, THREADS connections, 16 requests in
# flight each, the same request sequence on both servers. WARMUP requests
# fill the cache first; the next REQUESTS are measured: requests/s, hit rate,
# and the keys the server holds at the end.
#
# Prints medians and cairn/redis (above 1.00: cairn ahead, for req/s, hit
# rate and keys held).
#
# Environment (all optional): CAIRN_SERVER, REDIS_SERVER, REDIS_CLI, PYTHON,
# BENCH_TIMEOUT as in compare.sh, CACHE_LOAD (default: beside cairn-server),
# and ROUNDS (3), KEYS (500000), REQUESTS (1000000), WARMUP (1000000),
# VALUE (200), ZIPF (0.99), THREADS (2), MAXMEMORY (32mb), POLICIES
# ("allkeys-lru allkeys-lfu").
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROUNDS="${ROUNDS:-3}"
KEYS="${KEYS:-500000}"
REQUESTS="${REQUESTS:-1000000}"
WARMUP="${WARMUP:-1000000}"
VALUE="${VALUE:-200}"
ZIPF="${ZIPF:-0.99}"
THREADS="${THREADS:-2}"
MAXMEMORY="${MAXMEMORY:-32mb}"
POLICIES="${POLICIES:-allkeys-lru allkeys-lfu}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"
CACHE_LOAD="${CACHE_LOAD:-$(dirname "${CAIRN_SERVER}")/cairn-cache-load}"
need_exec "${CACHE_LOAD}" "built with cairn-server (bench/cache_load.cc)"
need_tools "${REDIS_CLI}" "${PYTHON}" timeout
for v in ROUNDS KEYS REQUESTS WARMUP VALUE THREADS BENCH_TIMEOUT; do need_posint "${v}"; done
need_servers

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-eviction.XXXXXX")"
bench_install_traps
results="${work}/results"  # lines: <kind> <metric> <value>
: > "${results}"

one_run() {  # one_run <cairn|redis> <policy> <round>
  local kind="$1" policy="$2" round="$3" dir="${work}/${1}-${2}-r${3}"
  mkdir -p "${dir}"
  port="$(free_port)"
  local -a cmd
  server_cmd "${kind}" "${dir}"
  cmd+=(--maxmemory "${MAXMEMORY}" --maxmemory-policy "${policy}")
  launch_server "${kind}" "${dir}" "${cmd[@]}"
  local out
  out="$(timeout "${BENCH_TIMEOUT}" "${CACHE_LOAD}" 127.0.0.1 "${port}" "${KEYS}" "${REQUESTS}" \
    "${VALUE}" "${ZIPF}" "${THREADS}" "${WARMUP}")" ||
    { cat "${dir}/server.log" >&2; die "cache_load failed against ${kind} (${policy})"; }
  # rps N hit_rate H misses M errors E
  read -r _ rps _ hit _ _ _ errors <<< "${out}"
  [[ "${errors}" == 0 ]] || die "${kind} (${policy}): ${errors} error replies"
  local short="${policy#allkeys-}"
  {
    echo "${kind} ${short}_rps ${rps}"
    echo "${kind} ${short}_hit_rate ${hit}"
    echo "${kind} ${short}_keys $(cli dbsize)"
  } >> "${results}"
  stop_server
  grep "^${kind} ${short}_" "${results}" | tail -3 | sed "s/^/  round ${round}  /" >&2
  rm -rf "${dir}"
}

echo "rounds=${ROUNDS} keys=${KEYS} requests=${REQUESTS} warmup=${WARMUP} value=${VALUE} zipf=${ZIPF} threads=${THREADS} maxmemory=${MAXMEMORY}" >&2
metrics=()
for policy in ${POLICIES}; do
  short="${policy#allkeys-}"
  metrics+=("${short}_rps" "${short}_hit_rate" "${short}_keys")
done
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for policy in ${POLICIES}; do
    for kind in "${order[@]}"; do one_run "${kind}" "${policy}" "${round}"; done
  done
done

echo
ratio_rows 24 "${metrics[@]}"
echo "(medians of ${ROUNDS} rounds; maxmemory ${MAXMEMORY}; Zipf ${ZIPF} over ${KEYS} keys of ${VALUE} bytes; cache-aside GET then SET on a miss, ${THREADS} connections x 16 in flight; keys: DBSIZE at the end)"
