#!/usr/bin/env bash
# Side-by-side throughput of cairn-server and redis-server, measured with
# redis-benchmark in one run. The two servers take turns (the order swaps
# every round) so drift in machine load hits both alike; each benchmark gets a
# freshly started server with an empty temp dir, and only one server runs at a
# time. Everything listens on 127.0.0.1 only. See bench/README.md.
#
# Environment (all optional):
#   CAIRN_SERVER      cairn binary           (default <repo>/build/bin/cairn-server)
#   REDIS_SERVER      reference binary       (default /usr/bin/redis-server)
#   REDIS_BENCHMARK   benchmark client       (default redis-benchmark)
#   REDIS_CLI         used for PING          (default redis-cli)
#   ROUNDS            rounds per server      (default 3)
#   REQUESTS          requests per test (-n) (default 200000)
#   CLIENTS           connections (-c)       (default 50)
#   KEYSPACE          random key range (-r)  (default 100000)
#   PIPELINES         pipeline depths (-P)   (default "1 16")
#   BENCH_TIMEOUT     seconds allowed per redis-benchmark run (default 300)
#   CAIRN_EXTRA_ARGS  extra words appended to cairn's command line (default none)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-200000}"
CLIENTS="${CLIENTS:-50}"
KEYSPACE="${KEYSPACE:-100000}"
PIPELINES="${PIPELINES:-1 16}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"
TESTS=(SET GET)

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_servers
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
need_posint ROUNDS
need_posint REQUESTS

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
results="${work}/results"   # lines: <server> <test> <pipeline> <ops/s>
: > "${results}"

bench_install_traps

# start_server <cairn|redis> <dir>: starts one server on a free loopback port,
# sets server_pid and prints nothing; port goes to the global `port`.
start_server() {
  local name="$1" dir="$2"
  mkdir -p "${dir}"
  port="$(free_port)"
  local -a cmd
  if [[ "${name}" == cairn ]]; then
    cmd=("${CAIRN_SERVER}" --port "${port}" --bind 127.0.0.1 --dir "${dir}" --appendonly no)
    # shellcheck disable=SC2206  # word splitting is intended
    [[ -n "${CAIRN_EXTRA_ARGS}" ]] && cmd+=(${CAIRN_EXTRA_ARGS})
  else
    cmd=("${REDIS_SERVER}" --port "${port}" --bind 127.0.0.1 --dir "${dir}"
         --appendonly no --save "")
  fi
  launch_server "${name}" "${dir}" "${cmd[@]}"
}

# bench_one <cairn|redis> <round>: a fresh server per pipeline depth.
bench_one() {
  local name="$1" round="$2" pipeline out test rps
  for pipeline in ${PIPELINES}; do
    local dir="${work}/${name}-r${round}-p${pipeline}"
    start_server "${name}" "${dir}"
    out="${dir}/bench.csv"
    run_benchmark "${dir}" "${out}" "${name} (round ${round}, -P ${pipeline})" \
      -q --csv -t set,get -c "${CLIENTS}" -n "${REQUESTS}" -r "${KEYSPACE}" \
      -P "${pipeline}"
    stop_server
    for test in "${TESTS[@]}"; do
      rps="$(csv_rps "${out}" "${test}")"
      [[ "${rps}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { cat "${out}" >&2; die "no ${test} result from ${name}"; }
      echo "${name} ${test} ${pipeline} ${rps}" >> "${results}"
      printf '  round %d  %-5s %-3s -P %-3s %12.0f ops/s\n' \
        "${round}" "${name}" "${test}" "${pipeline}" "${rps}" >&2
    done
  done
}

echo "cairn: ${CAIRN_SERVER}" >&2
echo "redis: ${REDIS_SERVER} ($("${REDIS_SERVER}" --version | head -n1))" >&2
echo "rounds=${ROUNDS} requests=${REQUESTS} clients=${CLIENTS} keyspace=${KEYSPACE} pipelines='${PIPELINES}'" >&2

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for name in "${order[@]}"; do
    bench_one "${name}" "${round}"
  done
done

median() {  # median <server> <test> <pipeline>
  awk -v s="$1" -v t="$2" -v p="$3" '$1 == s && $2 == t && $3 == p { print $4 }' "${results}" |
    median_of
}

echo
printf '%-6s %8s %16s %16s %12s\n' test pipeline "cairn ops/s" "redis ops/s" "cairn/redis"
for test in "${TESTS[@]}"; do
  for pipeline in ${PIPELINES}; do
    c="$(median cairn "${test}" "${pipeline}")"
    r="$(median redis "${test}" "${pipeline}")"
    ratio="$(awk -v c="${c}" -v r="${r}" 'BEGIN { printf "%.2f", (r > 0 ? c / r : 0) }')"
    printf '%-6s %8s %16.0f %16.0f %12s\n' "${test}" "${pipeline}" "${c}" "${r}" "${ratio}"
  done
done
echo "(medians of ${ROUNDS} rounds; ${CLIENTS} clients, ${REQUESTS} requests, random keys in ${KEYSPACE})"
