#!/usr/bin/env bash
# What monitoring costs under load (issue 12): SET and GET throughput of
# cairn-server and redis-server side by side in one run, each measured
# twice per round on a fresh server: alone, and while a second client sends
# INFO everything and CONFIG GET * every POLL_MS milliseconds (as an
# exporter scraping far more often than usual would). The table shows, per
# server, the throughput with polling over without (1.00: polling costs
# nothing), and cairn's figure beside redis's. See bench/README.md
# ("Monitoring cost").
#
# Environment (all optional):
#   CAIRN_SERVER, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI  (see lib.sh)
#   ROUNDS       rounds                         (default 3)
#   REQUESTS     requests per benchmark         (default 200000)
#   CLIENTS      benchmark connections          (default 50)
#   PIPELINE     redis-benchmark -P             (default 16)
#   POLL_MS      polling interval               (default 100)
#   BENCH_TIMEOUT  seconds per benchmark         (default 300)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-200000}"
CLIENTS="${CLIENTS:-50}"
PIPELINE="${PIPELINE:-16}"
POLL_MS="${POLL_MS:-100}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"
TESTS=(SET GET)

source "${script_dir}/lib.sh"

need_servers
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
need_posint ROUNDS
need_posint REQUESTS
need_posint POLL_MS

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-info-cost.XXXXXX")"
results="${work}/results"   # lines: <server> <mode> <test> <ops/s>
: > "${results}"
poller_pid=""
stop_poller() {
  if [[ -n "${poller_pid}" ]]; then
    kill "${poller_pid}" 2>/dev/null || true
    wait "${poller_pid}" 2>/dev/null || true
    poller_pid=""
  fi
}
bench_install_traps  # (the poller ends by itself when its server goes)

# One connection, INFO everything then CONFIG GET * every POLL_MS ms, each
# reply read whole; counts the polls it made.
cat > "${work}/poll.py" <<'EOF'
import socket, sys, time
port, every = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
def read():
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        if n >= 0:
            f.read(n + 2)
    elif line[:1] in (b"*", b"%"):
        n = int(line[1:]) * (2 if line[:1] == b"%" else 1)
        for _ in range(max(n, 0)):
            read()
polls = 0
try:
    while True:
        s.sendall(b"*2\r\n$4\r\nINFO\r\n$10\r\neverything\r\n*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$1\r\n*\r\n")
        read()
        read()
        polls += 1
        time.sleep(every)
except (OSError, KeyboardInterrupt):
    pass
EOF

bench_one() {
  local name="$1" round="$2" mode="$3" dir out test rps
  dir="${work}/${name}-r${round}-${mode}"
  mkdir -p "${dir}"
  port="$(free_port)"
  local -a cmd
  server_cmd "${name}" "${dir}"
  launch_server "${name}" "${dir}" "${cmd[@]}"
  if [[ "${mode}" == polled ]]; then
    "${PYTHON}" "${work}/poll.py" "${port}" "${POLL_MS}" &
    poller_pid=$!
  fi
  out="${dir}/bench.csv"
  run_benchmark "${dir}" "${out}" "${name} (round ${round}, ${mode})" \
    -q --csv -t set,get -c "${CLIENTS}" -n "${REQUESTS}" -r 100000 -P "${PIPELINE}"
  stop_poller
  stop_server
  for test in "${TESTS[@]}"; do
    rps="$(csv_rps "${out}" "${test}")"
    [[ "${rps}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { cat "${out}" >&2; die "no ${test} result from ${name}"; }
    echo "${name} ${mode} ${test} ${rps}" >> "${results}"
    printf '  round %d  %-5s %-6s %-3s %12.0f ops/s\n' "${round}" "${name}" "${mode}" "${test}" \
      "${rps}" >&2
  done
}

echo "cairn: ${CAIRN_SERVER}" >&2
echo "redis: ${REDIS_SERVER} ($("${REDIS_SERVER}" --version | head -n1))" >&2
echo "rounds=${ROUNDS} requests=${REQUESTS} clients=${CLIENTS} pipeline=${PIPELINE} poll=${POLL_MS}ms" >&2

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for name in "${order[@]}"; do
    bench_one "${name}" "${round}" alone
    bench_one "${name}" "${round}" polled
  done
done

median() {  # median <server> <mode> <test>
  awk -v s="$1" -v m="$2" -v t="$3" '$1 == s && $2 == m && $3 == t { print $4 }' "${results}" |
    median_of
}

echo
printf '%-5s %14s %14s %14s %14s %12s %12s\n' test "cairn alone" "cairn polled" "redis alone" \
  "redis polled" "cairn p/a" "redis p/a"
for test in "${TESTS[@]}"; do
  ca="$(median cairn alone "${test}")"; cp="$(median cairn polled "${test}")"
  ra="$(median redis alone "${test}")"; rp="$(median redis polled "${test}")"
  printf '%-5s %14.0f %14.0f %14.0f %14.0f %12s %12s\n' "${test}" "${ca}" "${cp}" "${ra}" "${rp}" \
    "$(ratio "${cp}" "${ca}")" "$(ratio "${rp}" "${ra}")"
done
echo "(medians of ${ROUNDS} rounds; ${CLIENTS} clients, -P ${PIPELINE}, ${REQUESTS} requests; polled: INFO everything + CONFIG GET * every ${POLL_MS} ms on a second connection; p/a: polled over alone, 1.00 = no cost)"
