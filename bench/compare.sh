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
repo_root="$(cd "${script_dir}/.." && pwd)"

CAIRN_SERVER="${CAIRN_SERVER:-${repo_root}/build/bin/cairn-server}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-redis-benchmark}"
REDIS_CLI="${REDIS_CLI:-redis-cli}"
PYTHON="${PYTHON:-/usr/bin/python3}"
ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-200000}"
CLIENTS="${CLIENTS:-50}"
KEYSPACE="${KEYSPACE:-100000}"
PIPELINES="${PIPELINES:-1 16}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"
TESTS=(SET GET)

die() { echo "compare.sh: $*" >&2; exit 1; }

for bin in "${CAIRN_SERVER}" "${REDIS_SERVER}"; do
  [[ -x "${bin}" ]] || die "not executable: ${bin} (build first, or set CAIRN_SERVER / REDIS_SERVER)"
done
for tool in "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout; do
  command -v "${tool}" >/dev/null || die "missing tool: ${tool}"
done
[[ "${ROUNDS}" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ "${REQUESTS}" =~ ^[1-9][0-9]*$ ]] || die "REQUESTS must be a positive integer"

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
results="${work}/results"   # lines: <server> <test> <pipeline> <ops/s>
: > "${results}"
server_pid=""
bench_pid=""

stop_server() {
  local pid="${server_pid}"
  server_pid=""
  [[ -n "${pid}" ]] || return 0
  kill -TERM "${pid}" 2>/dev/null || true
  local i
  for ((i = 0; i < 50; i++)); do
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "${pid}" 2>/dev/null || true
  wait "${pid}" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "${bench_pid}" ]] && kill -TERM "${bench_pid}" 2>/dev/null
  stop_server
  rm -rf "${work}"
  exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "${PYTHON}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

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
  "${cmd[@]}" > "${dir}/server.log" 2>&1 &
  server_pid=$!
  local i
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "${server_pid}" 2>/dev/null; then
      cat "${dir}/server.log" >&2
      die "${name} exited during start-up: ${cmd[*]}"
    fi
    if [[ "$(timeout 2 "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" ping 2>/dev/null)" == PONG ]]; then
      return 0
    fi
    sleep 0.1
  done
  cat "${dir}/server.log" >&2
  die "${name} did not answer PING on 127.0.0.1:${port} within 10s"
}

# bench_one <cairn|redis> <round>: a fresh server per pipeline depth.
bench_one() {
  local name="$1" round="$2" pipeline out line test rps
  for pipeline in ${PIPELINES}; do
    local dir="${work}/${name}-r${round}-p${pipeline}"
    start_server "${name}" "${dir}"
    out="${dir}/bench.csv"
    # In the background and waited for, so a signal to this script is acted
    # on at once rather than after the benchmark finishes.
    timeout "${BENCH_TIMEOUT}" "${REDIS_BENCHMARK}" -h 127.0.0.1 -p "${port}" \
      -q --csv -t set,get -c "${CLIENTS}" -n "${REQUESTS}" -r "${KEYSPACE}" \
      -P "${pipeline}" > "${out}" 2> "${dir}/bench.err" &
    bench_pid=$!
    local status=0
    wait "${bench_pid}" || status=$?
    bench_pid=""
    if ((status != 0)); then
      cat "${dir}/bench.err" "${dir}/server.log" >&2
      die "redis-benchmark failed or timed out against ${name} (round ${round}, -P ${pipeline})"
    fi
    stop_server
    for test in "${TESTS[@]}"; do
      line="$(grep -m1 "^\"${test}\"," "${out}" || true)"
      rps="$(cut -d, -f2 <<< "${line}" | tr -d '"')"
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
    sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
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
