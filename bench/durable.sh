#!/usr/bin/env bash
# Durable write throughput: cairn-server and redis-server with the SAME
# append-only-log policy, measured with redis-benchmark (SET) in one run.
# Every measurement gets a freshly started server with an empty temp dir under
# ${BENCH_TMP:-/tmp}; only one server runs at a time; the order cairn/redis
# swaps every round so drift in machine load hits both alike. Everything
# listens on 127.0.0.1 only. See bench/README.md ("Durable writes").
#
# Workloads (SET, random keys, one fresh server each):
#   appendfsync always    1 client             (REQUESTS_1C requests)
#   appendfsync always    50 clients
#   appendfsync always    200 clients
#   appendfsync everysec  50 clients
#   appendfsync everysec  50 clients, pipeline 16
#   appendonly no         50 clients           (the baseline, and what the
#                                               machine allows: see below)
#   appendfsync always    50 and 200 clients over 2 redis-benchmark processes
#   appendfsync always    25 clients SET and 25 clients GET at once (2
#                         processes): what durable writes do to reads
# One redis-benchmark process is one thread, and on this 2-core machine it
# tops out near 120-130k SET/s against either server with the log off; at
# 200 clients both servers reach that ceiling, so the 1-process runs measure
# the client. Two processes (half the clients and requests each, throughput
# = all requests / wall time of both) lift it. (redis-benchmark --threads
# is not used: its 7.0 throughput figures come out quantized, e.g. 66534 or
# 99800 whatever the server.)
#
# Environment (all optional):
#   CAIRN_SERVER      cairn binary           (default <repo>/build/bin/cairn-server)
#   REDIS_SERVER      reference binary       (default /usr/bin/redis-server)
#   REDIS_BENCHMARK   benchmark client       (default redis-benchmark)
#   REDIS_CLI         used for PING/CONFIG   (default redis-cli)
#   ROUNDS            rounds                 (default 5)
#   REQUESTS          requests per run (-n)  (default 100000)
#   REQUESTS_1C       requests, 1-client run (default REQUESTS/5)
#   KEYSPACE          random key range (-r)  (default 100000)
#   VALUE_SIZE        value bytes (-d)       (default 3)
#   BENCH_TIMEOUT     seconds allowed per redis-benchmark run (default 300)
#   BENCH_TMP         parent of the temp data dirs (default /tmp)
#   CAIRN_EXTRA_ARGS  extra words appended to cairn's command line (default none)
#   MIXED_CLIENTS     clients of each kind, reads beside writes (default 25)
# If CAIRN_SERVER's basename is redis-server (to try the script before cairn
# has a log), it also gets --save "" like the reference.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-5}"
REQUESTS="${REQUESTS:-100000}"
REQUESTS_1C="${REQUESTS_1C:-}"
KEYSPACE="${KEYSPACE:-100000}"
VALUE_SIZE="${VALUE_SIZE:-3}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
BENCH_TMP="${BENCH_TMP:-/tmp}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# Targets (printed, not enforced; issue 9). bench/guard.sh enforces one.
TARGET_VS_REDIS=1.20      # cairn always / redis always, at 50 and 200 clients
TARGET_VS_NOAOF=0.75      # cairn always(50c) / cairn appendonly no(50c)
TARGET_OVER_FLOOR_US=60   # cairn always, 1 client: p50 <= the floor's p50 + this

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_servers
SYNC_FLOOR="${SYNC_FLOOR:-$(dirname "${CAIRN_SERVER}")/cairn-sync-floor}"
need_exec "${SYNC_FLOOR}" "built with cairn-server (bench/sync_floor.cc)"
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
need_posint ROUNDS
need_posint REQUESTS
[[ -n "${REQUESTS_1C}" ]] || REQUESTS_1C=$((REQUESTS / 5 > 0 ? REQUESTS / 5 : 1))
need_posint REQUESTS_1C
need_posint KEYSPACE
need_posint VALUE_SIZE
need_posint BENCH_TIMEOUT
MIXED_CLIENTS="${MIXED_CLIENTS:-25}"
need_posint MIXED_CLIENTS
[[ -d "${BENCH_TMP}" ]] || die "BENCH_TMP is not a directory: ${BENCH_TMP}"

# Workloads, in the order each round runs them: the baseline (log off) comes
# right after always at 50 clients, the run it is compared with.
#                 0      1      2     3      4        5      6      7
W_POLICY=(   always always   no   always everysec everysec always always)
W_CLIENTS=(       1     50   50      200       50       50     50    200)
W_PIPELINE=(      1      1    1        1        1       16      1      1)
W_PROCS=(         1      1    1        1        1        1      2      2)
W_REDIS=(         1      1    1        1        1        1      1      1)   # 0: cairn only
DISPLAY_ORDER=(0 1 3 6 7 4 5 2)

wid() { echo "${W_POLICY[$1]}-c${W_CLIENTS[$1]}-P${W_PIPELINE[$1]}-x${W_PROCS[$1]}"; }
policy_label() { if [[ "$1" == no ]]; then echo "appendonly no"; else echo "$1"; fi; }

work="$(mktemp -d "${BENCH_TMP}/cairn-durable.XXXXXX")"
results="${work}/results"   # lines: <server> <workload id> <ops/s>
: > "${results}"
nolog="${work}/nolog"       # lines: <server> <workload id> <round>, runs that left no log
: > "${nolog}"
latency="${work}/latency"   # lines: <server> <workload id> <p50 us>
: > "${latency}"
floors="${work}/floors"     # lines: <uring p50 us> <pwrite p50 us>, one per round
: > "${floors}"
bytes="${work}/bytes"       # lines: <server> <workload id> <device B/ack> <write_bytes/ack> <bound B/ack>
: > "${bytes}"
mixed="${work}/mixed"       # lines: <server> <SET ops/s> <GET ops/s> <GET p50 ms> <GET p99 ms>
: > "${mixed}"

# The data dirs' device, for its write counters in /proc/diskstats.
data_dev="$(basename "$(df -P "${work}" | awk 'NR == 2 { print $1 }')")"
# dev_written: bytes the data dirs' device has written since boot ("-" when
# /proc/diskstats has no such device: device-mapper, overlay, tmpfs...). The
# counter is the whole device's: anything else writing meanwhile counts too.
dev_written() {
  awk -v d="${data_dev}" '$3 == d { printf "%.0f\n", $10 * 512; found = 1 } END { if (!found) print "-" }' /proc/diskstats
}
# proc_written <pid>: the process's write_bytes (bytes it caused to be written).
proc_written() { awk '$1 == "write_bytes:" { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0; }
# info_field <field>: a field of the running server's INFO persistence (0 if absent).
info_field() {
  cli info persistence 2>/dev/null | tr -d '\r' | awk -F: -v f="$1" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }'
}

bench_install_traps

# start_server <cairn|redis> <dir> <always|everysec|no>: starts one server on a
# free loopback port with that persistence policy ("no": --appendonly no).
start_server() {
  local name="$1" dir="$2" policy="$3" bin
  mkdir -p "${dir}"
  port="$(free_port)"
  if [[ "${name}" == cairn ]]; then bin="${CAIRN_SERVER}"; else bin="${REDIS_SERVER}"; fi
  local -a cmd=("${bin}" --port "${port}" --bind 127.0.0.1 --dir "${dir}")
  if [[ "${policy}" == no ]]; then
    cmd+=(--appendonly no)
  else
    cmd+=(--appendonly yes --appendfsync "${policy}")
  fi
  if [[ "${name}" == redis || "$(basename "${bin}")" == redis-server ]]; then
    cmd+=(--save "")
  fi
  # shellcheck disable=SC2206  # word splitting is intended
  [[ "${name}" == cairn && -n "${CAIRN_EXTRA_ARGS}" ]] && cmd+=(${CAIRN_EXTRA_ARGS})
  launch_server "${name}" "${dir}" "${cmd[@]}"
  if [[ "${policy}" == no ]]; then
    config_check "${name}" appendonly no
  else
    config_check "${name}" appendonly yes
    config_check "${name}" appendfsync "${policy}"
  fi
}

# log_bytes <dir>: total size of the append-only log files (*.aof) in <dir>
# (cairn's include its preallocated filler).
log_bytes() {
  find "$1" -name '*.aof' -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# run_together <dir> <out> <what> <args...>: redis-benchmark processes started
# at once, one per argument list (lists separated by a "--next" word); the
# i-th one's CSV goes to <out>.i. Prints the nanoseconds from the first start
# to the last end.
run_together() {
  local dir="$1" out="$2" what="$3" start end i=1 p status=0
  shift 3
  local -a args=()
  bench_pid=""
  start="$(date +%s%N)"
  while (($# > 0)); do
    if [[ "$1" != --next ]]; then
      args+=("$1")
      shift
      (($# > 0)) && continue
    else
      shift
    fi
    timeout "${BENCH_TIMEOUT}" "${REDIS_BENCHMARK}" -h 127.0.0.1 -p "${port}" "${args[@]}" \
      > "${out}.${i}" 2> "${dir}/bench.err.${i}" &
    bench_pid+=" $!"
    args=()
    i=$((i + 1))
  done
  for p in ${bench_pid}; do
    wait "${p}" || status=$?
  done
  end="$(date +%s%N)"
  bench_pid=""
  if ((status != 0)); then
    cat "${dir}"/bench.err.* "${dir}/server.log" >&2
    die "redis-benchmark failed or timed out against ${what}"
  fi
  echo "$((end - start))"
}

# run_clients <dir> <out> <what> <procs> <total requests> <args...>: <procs>
# redis-benchmark processes at once, each with <args>; leaves the first
# one's CSV in <out> (for its latencies) and prints the requests/s of all of
# them together: <total requests> over the wall time from the first start to
# the last end.
run_clients() {
  local dir="$1" out="$2" what="$3" procs="$4" total="$5" i ns
  shift 5
  local -a all=()
  for ((i = 1; i <= procs; i++)); do
    ((i > 1)) && all+=(--next)
    all+=("$@")
  done
  ns="$(run_together "${dir}" "${out}" "${what}" "${all[@]}")"
  cp "${out}.1" "${out}"
  awk -v n="${total}" -v ns="${ns}" 'BEGIN { printf "%.2f", n / (ns / 1e9) }'
}

# bench_mixed <cairn|redis> <round>: reads beside durable writes. Under
# `always`, MIXED_CLIENTS clients send SETs and as many send GETs, from two
# redis-benchmark processes started together. The GET process has half the
# requests, so that it ends first and runs under the writes throughout. Each
# process's own ops/s is kept, and the GETs' p50 and p99.
bench_mixed() {
  local name="$1" round="$2" id=mixed
  local dir="${work}/r${round}-${id}-${name}" out
  start_server "${name}" "${dir}" always
  out="${dir}/bench.csv"
  run_together "${dir}" "${out}" "${name} (round ${round}, ${id})" \
    -q --csv -t set -c "${MIXED_CLIENTS}" -n "${REQUESTS}" -r "${KEYSPACE}" -d "${VALUE_SIZE}" \
    --next \
    -q --csv -t get -c "${MIXED_CLIENTS}" -n "$((REQUESTS / 2))" -r "${KEYSPACE}" > /dev/null
  stop_server
  local set_rps get_rps line p50 p99
  set_rps="$(csv_rps "${out}.1" SET)"
  get_rps="$(csv_rps "${out}.2" GET)"
  [[ "${set_rps}" =~ ^[0-9]+(\.[0-9]+)?$ && "${get_rps}" =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
    { cat "${out}.1" "${out}.2" >&2; die "no SET/GET result from ${name} (${id})"; }
  line="$(grep -m1 '^"GET",' "${out}.2" | tr -d '"')"
  p50="$(cut -d, -f5 <<< "${line}")"
  p99="$(cut -d, -f7 <<< "${line}")"
  echo "${name} ${set_rps} ${get_rps} ${p50} ${p99}" >> "${mixed}"
  printf '  round %d  %-5s always, %s SET + %s GET clients: SET %.0f ops/s, GET %.0f ops/s, GET p50 %s ms p99 %s ms\n' \
    "${round}" "${name}" "${MIXED_CLIENTS}" "${MIXED_CLIENTS}" "${set_rps}" "${get_rps}" \
    "${p50:-?}" "${p99:-?}" >&2
}

# bench_one <cairn|redis> <round> <workload index>
bench_one() {
  local name="$1" round="$2" w="$3" id policy clients pipeline procs requests
  id="$(wid "${w}")"
  policy="${W_POLICY[$w]}"
  clients="${W_CLIENTS[$w]}"
  pipeline="${W_PIPELINE[$w]}"
  procs="${W_PROCS[$w]}"
  requests="${REQUESTS}"
  ((clients > 1)) || requests="${REQUESTS_1C}"
  local dir="${work}/r${round}-${id}-${name}" out
  start_server "${name}" "${dir}" "${policy}"
  out="${dir}/bench.csv"
  local rps line p50 p99 logb dev0 wb0 size0 batches0 records0
  dev0="$(dev_written)"
  wb0="$(proc_written "${server_pid}")"
  size0="$(info_field aof_current_size)"
  batches0="$(info_field aof_batches_written)"
  records0="$(info_field aof_records_written)"
  if ((procs == 1)); then
    run_benchmark "${dir}" "${out}" "${name} (round ${round}, ${id})" \
      -q --csv -t set -c "${clients}" -n "${requests}" -r "${KEYSPACE}" \
      -d "${VALUE_SIZE}" -P "${pipeline}"
    rps="$(csv_rps "${out}" SET)"
  else
    rps="$(run_clients "${dir}" "${out}" "${name} (round ${round}, ${id})" "${procs}" \
      "$((requests / procs * procs))" \
      -q --csv -t set -c "$((clients / procs))" -n "$((requests / procs))" -r "${KEYSPACE}" \
      -d "${VALUE_SIZE}" -P "${pipeline}")"
  fi
  if [[ "${policy}" == always ]]; then
    # What the log cost the device per acknowledged write, beside the bound
    # issue 9 sets: the records themselves plus one page per batch (cairn
    # reports its records and batches in INFO; redis has no bound here).
    local acked dev wb bound
    acked="$((requests / procs * procs))"
    dev="-"
    [[ "${dev0}" != - ]] && dev="$(( $(dev_written) - dev0 ))"
    wb="$(( $(proc_written "${server_pid}") - wb0 ))"
    bound="-"
    if [[ "${name}" == cairn ]]; then
      bound="$(awk -v s="$(( $(info_field aof_current_size) - size0 ))" \
        -v b="$(( $(info_field aof_batches_written) - batches0 ))" -v n="${acked}" \
        'BEGIN { printf "%.0f", (s + 4096 * b) / n }')"
    fi
    local dev_per="-"
    [[ "${dev}" != - ]] && dev_per="$((dev / acked))"
    echo "${name} ${id} ${dev_per} $((wb / acked)) ${bound}" >> "${bytes}"
  fi
  stop_server
  [[ "${rps}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { cat "${out}" >&2; die "no SET result from ${name} (${id})"; }
  echo "${name} ${id} ${rps}" >> "${results}"
  line="$(grep -m1 '^"SET",' "${out}" | tr -d '"')"
  p50="$(cut -d, -f5 <<< "${line}")"
  p99="$(cut -d, -f7 <<< "${line}")"
  logb="$(log_bytes "${dir}")"
  [[ -n "${p50}" ]] && echo "${name} ${id} $(awk -v p="${p50}" 'BEGIN { printf "%.0f", p * 1000 }')" >> "${latency}"
  if [[ "${policy}" != no ]] && ((logb == 0)); then
    echo "${name} ${id} ${round}" >> "${nolog}"
  fi
  printf '  round %d  %-5s %-13s c=%-3s P=%-2s x%s %10.0f ops/s  p50 %6s ms  p99 %6s ms  log files %7.0f KiB\n' \
    "${round}" "${name}" "$(policy_label "${policy}")" "${clients}" "${pipeline}" "${procs}" "${rps}" \
    "${p50:-?}" "${p99:-?}" "$(awk -v b="${logb}" 'BEGIN { print b / 1024 }')" >&2
}

echo "cairn: ${CAIRN_SERVER}" >&2
echo "redis: ${REDIS_SERVER} ($("${REDIS_SERVER}" --version | head -n1))" >&2
echo "rounds=${ROUNDS} requests=${REQUESTS} requests_1c=${REQUESTS_1C} keyspace=${KEYSPACE} value_size=${VALUE_SIZE}" >&2
echo "data dirs: ${work} ($(stat -f -c %T "${work}") on $(df -P "${work}" | awk 'NR == 2 { print $1 }'))" >&2

# floor_once: the machine's durable-write floor on the data dirs' filesystem.
floor_once() {
  local f="${work}/floor.out"
  run_step "${work}" /dev/null "${f}" "cairn-sync-floor" "${SYNC_FLOOR}" "${work}" 2000
  echo "$(metric "${f}" uring_p50_us) $(metric "${f}" pwrite_p50_us)" >> "${floors}"
  printf '  round %d  floor: io_uring write+fdatasync p50 %s us, pwrite+fdatasync p50 %s us\n' \
    "${round}" "$(metric "${f}" uring_p50_us)" "$(metric "${f}" pwrite_p50_us)" >&2
}

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  floor_once
  for ((w = 0; w < ${#W_POLICY[@]}; w++)); do
    for name in "${order[@]}"; do
      [[ "${name}" == redis && "${W_REDIS[$w]}" == 0 ]] && continue
      bench_one "${name}" "${round}" "${w}"
    done
  done
  for name in "${order[@]}"; do
    bench_mixed "${name}" "${round}"
  done
done

median() {  # median <server> <workload id>; empty if no results
  [[ -n "$(awk -v s="$1" -v w="$2" '$1 == s && $2 == w' "${results}")" ]] || return 0
  awk -v s="$1" -v w="$2" '$1 == s && $2 == w { print $3 }' "${results}" | median_of
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r + 0 >= t + 0 ? "meets" : "below") }'; }

echo
printf '%-14s %7s %8s %8s %14s %14s %12s  %s\n' policy clients pipeline procs "cairn ops/s" "redis ops/s" "cairn/redis" target
for w in "${DISPLAY_ORDER[@]}"; do
  id="$(wid "${w}")"
  c="$(median cairn "${id}")"
  r="$(median redis "${id}")"
  if [[ -n "${r}" ]]; then
    rs="$(printf '%.0f' "${r}")"
    q="$(ratio "${c}" "${r}")"
  else
    rs="-"
    q="-"
  fi
  target=""
  if [[ "${W_POLICY[$w]}" == always && "${W_CLIENTS[$w]}" -ge 50 ]]; then
    target=">= ${TARGET_VS_REDIS}: $(verdict "${q}" "${TARGET_VS_REDIS}")"
  fi
  printf '%-14s %7s %8s %8s %14.0f %14s %12s  %s\n' "$(policy_label "${W_POLICY[$w]}")" \
    "${W_CLIENTS[$w]}" "${W_PIPELINE[$w]}" "${W_PROCS[$w]}" "${c}" "${rs}" "${q}" "${target}"
done
q="$(ratio "$(median cairn always-c50-P1-x1)" "$(median cairn no-c50-P1-x1)")"
echo "cairn always(50c) / cairn appendonly-no(50c) = ${q}   target >= ${TARGET_VS_NOAOF}: $(verdict "${q}" "${TARGET_VS_NOAOF}")"
# Headroom: cairn with the log off is as fast as it can go with the client
# and the server sharing this machine's CPUs. Where that is not 1.20x
# redis's `always`, no log design reaches the 50-client target here; the
# redis pair shows what durability costs redis.
q="$(ratio "$(median cairn no-c50-P1-x1)" "$(median redis always-c50-P1-x1)")"
echo "headroom: cairn appendonly-no(50c) / redis always(50c) = ${q} (the most the 50-client ratio can reach here)"
q="$(ratio "$(median redis always-c50-P1-x1)" "$(median redis no-c50-P1-x1)")"
echo "redis always(50c) / redis appendonly-no(50c) = ${q}"

# Reads beside durable writes (medians of the rounds).
mixed_median() { awk -v s="$1" -v c="$2" '$1 == s { print $c }' "${mixed}" | median_of; }
echo
echo "reads beside durable writes: appendfsync always, ${MIXED_CLIENTS} clients SET and ${MIXED_CLIENTS} clients GET at once"
printf '%-8s %12s %12s %12s %12s\n' server "SET ops/s" "GET ops/s" "GET p50 ms" "GET p99 ms"
for name in cairn redis; do
  printf '%-8s %12.0f %12.0f %12s %12s\n' "${name}" "$(mixed_median "${name}" 2)" \
    "$(mixed_median "${name}" 3)" "$(mixed_median "${name}" 4)" "$(mixed_median "${name}" 5)"
done
echo "cairn/redis: SET $(ratio "$(mixed_median cairn 2)" "$(mixed_median redis 2)"), GET $(ratio "$(mixed_median cairn 3)" "$(mixed_median redis 3)")"

# The floor and the 1-client latency over it (medians of the rounds' p50s).
col_median() { awk -v c="$1" '{ print $c }' "$2" | median_of; }
lat_median() { awk -v s="$1" -v w="$2" '$1 == s && $2 == w { print $3 }' "${latency}" | median_of; }
floor_uring="$(col_median 1 "${floors}")"
floor_pwrite="$(col_median 2 "${floors}")"
c1="$(lat_median cairn always-c1-P1-x1)"
r1="$(lat_median redis always-c1-P1-x1)"
echo
echo "floor on this machine: io_uring write+fdatasync p50 ${floor_uring} us, pwrite+fdatasync p50 ${floor_pwrite} us"
if [[ -n "${c1}" && -n "${floor_uring}" ]]; then
  over="$(awk -v c="${c1}" -v f="${floor_uring}" 'BEGIN { printf "%.0f", c - f }')"
  over_pw="$(awk -v c="${c1}" -v f="${floor_pwrite}" 'BEGIN { printf "%.0f", c - f }')"
  echo "always, 1 client: cairn p50 ${c1} us = io_uring floor + ${over} us, pwrite floor + ${over_pw} us (target <= floor + ${TARGET_OVER_FLOOR_US}: $(awk -v o="${over}" -v t="${TARGET_OVER_FLOOR_US}" 'BEGIN { print (o <= t ? "meets" : "below") }')); redis p50 ${r1:--} us"
else
  echo "always, 1 client: no latency figures (a run failed?)"
fi
echo
echo "bytes per acknowledged write under always (medians): the device's (/proc/diskstats, ${data_dev}), the server's write_bytes (/proc/PID/io), and cairn's bound (its records + one 4 KiB page per batch)"
printf '%-8s %7s %6s %14s %14s %10s\n' server clients procs "device B/ack" "write_bytes/ack" "bound B/ack"
for w in "${DISPLAY_ORDER[@]}"; do
  [[ "${W_POLICY[$w]}" == always ]] || continue
  id="$(wid "${w}")"
  for name in cairn redis; do
    d="$(awk -v s="${name}" -v i="${id}" '$1 == s && $2 == i && $3 != "-" { print $3 }' "${bytes}" | median_of)"
    n="$(awk -v s="${name}" -v i="${id}" '$1 == s && $2 == i' "${bytes}" | wc -l)"
    ((n > 0)) || continue
    [[ "$(awk -v s="${name}" -v i="${id}" '$1 == s && $2 == i && $3 != "-"' "${bytes}" | wc -l)" -gt 0 ]] || d="-"
    b="$(awk -v s="${name}" -v i="${id}" '$1 == s && $2 == i { print $4 }' "${bytes}" | median_of)"
    l="-"
    [[ "${name}" == cairn ]] && l="$(awk -v s="${name}" -v i="${id}" '$1 == s && $2 == i { print $5 }' "${bytes}" | median_of)"
    printf '%-8s %7s %6s %14s %14.0f %10s\n' "${name}" "${W_CLIENTS[$w]}" "${W_PROCS[$w]}" "${d}" "${b}" "${l}"
  done
done
echo "(medians of ${ROUNDS} rounds; procs: redis-benchmark processes sharing the clients; SET, ${REQUESTS} requests (${REQUESTS_1C} with 1 client), ${VALUE_SIZE}-byte values, random keys in ${KEYSPACE})"
if [[ -s "${nolog}" ]]; then
  awk '{ n[$1]++ } END { for (s in n) printf "WARNING: %s left no append-only log (*.aof) in %d of its durable runs: is its --appendonly in effect?\n", s, n[s] }' "${nolog}"
fi
