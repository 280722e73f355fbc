#!/usr/bin/env bash
# Streams: cairn-server and redis-server side by side in one run (issue 14,
# "Memory"): throughput and memory of 1M entries. Each round, for each
# server (the order swapping every round), a fresh server with persistence
# off on 127.0.0.1:
#   1. ENTRIES entries "XADD big <i>-1 name <i> value v<i>" through
#      redis-cli --pipe: entries/s, and used_memory after minus before
#      (bytes per entry);
#   2. redis-benchmark -c CLIENTS -n REQUESTS:
#        XADD bench * f v                  (appends, auto IDs)
#        XRANGE big __rand_int__ + COUNT 10 (-r ENTRIES: ten entries from a
#                                            random place)
#        XREVRANGE big + - COUNT 1          (the newest entry)
#      req/s, and the server's CPU time per request (server_cpu_us in
#      lib.sh: steadier than req/s here, where client and server share two
#      cores).
# Prints medians and cairn/redis (above 1.00: cairn faster; for bytes per
# entry and CPU per request, below 1.00: cairn smaller). Target: throughput
# at least Redis's, memory no more than Redis's.
#
# Environment (all optional): CAIRN_SERVER, REDIS_SERVER, REDIS_BENCHMARK,
# REDIS_CLI, PYTHON, BENCH_TIMEOUT as in compare.sh, and
#   ROUNDS    rounds            (default 3)
#   ENTRIES   entries filled    (default 1000000)
#   REQUESTS  per benchmark     (default 200000)
#   CLIENTS   benchmark clients (default 50)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROUNDS="${ROUNDS:-3}"
ENTRIES="${ENTRIES:-1000000}"
REQUESTS="${REQUESTS:-200000}"
CLIENTS="${CLIENTS:-50}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
for v in ROUNDS ENTRIES REQUESTS CLIENTS BENCH_TIMEOUT; do need_posint "${v}"; done
need_servers

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-streams.XXXXXX")"
bench_install_traps
results="${work}/results"  # lines: <kind> <metric> <value>
: > "${results}"

fill="${work}/fill.resp"
"${PYTHON}" - "${ENTRIES}" "${fill}" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "wb") as f:
    for i in range(1, n + 1):
        args = [b"XADD", b"big", b"%d-1" % i, b"name", b"%d" % i, b"value", b"v%d" % i]
        f.write(b"*%d\r\n" % len(args))
        for a in args:
            f.write(b"$%d\r\n%s\r\n" % (len(a), a))
EOF

used_memory() { info_field "${port}" memory used_memory; }

one_round() {  # one_round <cairn|redis> <round>
  local kind="$1" round="$2" dir="${work}/${1}-r${2}"
  mkdir -p "${dir}"
  port="$(free_port)"
  local -a cmd
  server_cmd "${kind}" "${dir}"
  launch_server "${kind}" "${dir}" "${cmd[@]}"
  local before after t0 t1
  before="$(used_memory)"
  t0="$(date +%s%N)"
  run_step "${dir}" "${fill}" "${dir}/pipe.out" "fill ${kind}" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  t1="$(date +%s%N)"
  grep -q "errors: 0, replies: ${ENTRIES}\$" "${dir}/pipe.out" ||
    { cat "${dir}/pipe.out" >&2; die "${kind}: the fill reported errors"; }
  after="$(used_memory)"
  [[ "$(cli xlen big)" == "${ENTRIES}" ]] || die "${kind}: XLEN big is not ${ENTRIES}"
  echo "${kind} fill_per_s $(awk -v n="${ENTRIES}" -v ns="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')" >> "${results}"
  echo "${kind} bytes_per_entry $(awk -v a="${after}" -v b="${before}" -v n="${ENTRIES}" 'BEGIN { printf "%.1f", (a - b) / n }')" >> "${results}"
  local -a common=(-q --csv -c "${CLIENTS}" -n "${REQUESTS}")
  # Each benchmark: req/s, and the server's CPU per request (µs).
  bench_one() {  # bench_one <metric> <csv> <test name> <benchmark args>...
    local metric="$1" csv="${dir}/$2" test="$3" c0 c1
    shift 3
    c0="$(server_cpu_us)"
    run_benchmark "${dir}" "${csv}" "${kind} ${test}" "${common[@]}" "$@"
    c1="$(server_cpu_us)"
    echo "${kind} ${metric} $(csv_rps "${csv}" "${test}")" >> "${results}"
    echo "${kind} ${metric}_cpu_us $(awk -v c="$((c1 - c0))" -v n="${REQUESTS}" 'BEGIN { printf "%.2f", c / n }')" >> "${results}"
  }
  bench_one xadd xadd.csv 'xadd bench * f v' xadd bench '*' f v
  bench_one xrange10 xrange.csv 'xrange big __rand_int__ + COUNT 10' -r "${ENTRIES}" \
    xrange big __rand_int__ + COUNT 10
  bench_one xrevrange1 xrev.csv 'xrevrange big + - COUNT 1' xrevrange big + - COUNT 1
  stop_server
  grep "^${kind} " "${results}" | tail -8 | sed "s/^/  round ${round}  /" >&2
  rm -rf "${dir}"
}

echo "rounds=${ROUNDS} entries=${ENTRIES} requests=${REQUESTS} clients=${CLIENTS}" >&2
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for kind in "${order[@]}"; do one_round "${kind}" "${round}"; done
done

echo
ratio_rows 40 fill_per_s bytes_per_entry xadd xrange10 xrevrange1 xadd_cpu_us xrange10_cpu_us xrevrange1_cpu_us
echo "(medians of ${ROUNDS} rounds; fill: ${ENTRIES} XADDs through redis-cli --pipe; bytes_per_entry: used_memory growth / entries, lower is better; xadd/xrange10/xrevrange1: req/s at ${CLIENTS} clients; *_cpu_us: server CPU per request in µs, lower is better)"
