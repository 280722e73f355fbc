#!/usr/bin/env bash
# The durable-latency regression guard (issue 9): one client, SET, with the
# log on and `appendfsync always` on both servers, cairn and redis-server
# alternated over ROUNDS fresh servers. Exits 1, loudly, when cairn's median
# throughput falls below redis-server's (ratio < 1.00) on the machine it runs
# on; prints the machine's own floor (bench/sync_floor.cc) beside it, so a
# slow disk is told from a slow Cairn. `make bench-guard` runs it; it is a
# benchmark, never part of `make test`.
#
# Environment (all optional): ROUNDS (default 7), REQUESTS (per run, default
# 5000), MIN_RATIO (default 1.00), BENCH_TIMEOUT (default 120), BENCH_TMP
# (default /tmp), and the servers and tools of bench/lib.sh.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROUNDS="${ROUNDS:-7}"
REQUESTS="${REQUESTS:-5000}"
MIN_RATIO="${MIN_RATIO:-1.00}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-120}"
BENCH_TMP="${BENCH_TMP:-/tmp}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_servers
SYNC_FLOOR="${SYNC_FLOOR:-$(dirname "${CAIRN_SERVER}")/cairn-sync-floor}"
need_exec "${SYNC_FLOOR}" "built with cairn-server (bench/sync_floor.cc)"
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
need_posint ROUNDS
need_posint REQUESTS

work="$(mktemp -d "${BENCH_TMP}/cairn-guard.XXXXXX")"
if [[ "$(stat -f -c %T "${work}")" == tmpfs ]]; then
  echo "WARNING: ${BENCH_TMP} is tmpfs: fdatasync costs nothing there; set BENCH_TMP to a disk" >&2
fi
results="${work}/results"  # lines: <server> <ops/s> <p50 ms>
: > "${results}"
bench_install_traps

run_one() {
  local name="$1" round="$2" dir="${work}/r${round}-$1" bin
  mkdir -p "${dir}"
  port="$(free_port)"
  if [[ "${name}" == cairn ]]; then bin="${CAIRN_SERVER}"; else bin="${REDIS_SERVER}"; fi
  local -a cmd=("${bin}" --port "${port}" --bind 127.0.0.1 --dir "${dir}" --appendonly yes
    --appendfsync always --save "")
  # shellcheck disable=SC2206  # word splitting is intended
  [[ "${name}" == cairn && -n "${CAIRN_EXTRA_ARGS}" ]] && cmd+=(${CAIRN_EXTRA_ARGS})
  launch_server "${name}" "${dir}" "${cmd[@]}"
  config_check "${name}" appendfsync always
  run_benchmark "${dir}" "${dir}/out.csv" "${name} (round ${round})" \
    -q --csv -t set -c 1 -n "${REQUESTS}" -r 100000 -d 3
  stop_server
  local line
  line="$(grep -m1 '^"SET",' "${dir}/out.csv" | tr -d '"')"
  [[ -n "${line}" ]] || die "no SET result from ${name}"
  echo "${name} $(cut -d, -f2 <<< "${line}") $(cut -d, -f5 <<< "${line}")" >> "${results}"
  printf '  round %d  %-5s %8.0f ops/s  p50 %s ms\n' "${round}" "${name}" \
    "$(cut -d, -f2 <<< "${line}")" "$(cut -d, -f5 <<< "${line}")" >&2
}

floors="${work}/floors"
: > "${floors}"
for ((round = 1; round <= ROUNDS; round++)); do
  run_step "${work}" /dev/null "${work}/floor.out" cairn-sync-floor "${SYNC_FLOOR}" "${work}" 1000
  metric "${work}/floor.out" uring_p50_us >> "${floors}"
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for name in "${order[@]}"; do run_one "${name}" "${round}"; done
done

col() { awk -v s="$1" -v c="$2" '$1 == s { print $c }' "${results}" | median_of; }
c_rps="$(col cairn 2)"
r_rps="$(col redis 2)"
q="$(ratio "${c_rps}" "${r_rps}")"
echo "floor (io_uring write+fdatasync) p50: $(median_of < "${floors}") us"
echo "always, 1 client: cairn $(printf '%.0f' "${c_rps}") ops/s (p50 $(col cairn 3) ms), redis $(printf '%.0f' "${r_rps}") ops/s (p50 $(col redis 3) ms): cairn/redis ${q}"
if awk -v q="${q}" -v m="${MIN_RATIO}" 'BEGIN { exit !(q + 0 < m + 0) }'; then
  echo "*** REGRESSION: cairn's durable 1-client SET is below ${MIN_RATIO}x redis-server on this machine ***" >&2
  exit 1
fi
echo "ok: cairn/redis ${q} >= ${MIN_RATIO}"
