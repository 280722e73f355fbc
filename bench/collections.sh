#!/usr/bin/env bash
# Collection commands: cairn-server and redis-server side by side in one run
# (issue 10, "Memory and speed"). See bench/README.md ("Collections").
#
# Small collections, with redis-benchmark, per client count in CLIENT_COUNTS:
#   PING            -t ping_mbulk: the request path alone (the floor)
#   LPUSH, LPOP     -t lpush,lpop: one list, pushed to then popped empty
#   SADD, HSET      -t sadd,hset: one set / hash, members element:<rand>
#   ZADD            zadd zbench __rand_int__ m:__rand_int__
#   ZRANGE 0 99     zrange zr 0 99, zr a 100-member sorted set
# once per mode in MODES:
#   mem      both with --appendonly no --save "" (in-memory speed)
#   durable  cairn with its defaults (appendonly yes, appendfsync always)
#            beside redis --appendonly yes --appendfsync always; both
#            --save "" (no snapshots during the run)
# Big collections ("stay cheap"; persistence off), a sorted set and a hash
# of BIG members each, filled through redis-cli --pipe (bench/bigkeys.py):
#   ZSCORE zbig m:<rand>, ZRANK zbig m:<rand>,
#   ZRANGE zbig <rand> +inf BYSCORE LIMIT 0 10, HGET hbig f:<rand>
#     (redis-benchmark, BIG_CLIENTS clients, -r BIG: every lookup hits);
#   the fills themselves, in members/s.
# Every workload runs on a freshly started server with an empty temp dir,
# one server at a time on 127.0.0.1, cairn and redis back to back; the order
# swaps every round. The tables show medians over the rounds and cairn/redis
# (above 1.00: cairn faster), and for the small sets the microseconds each
# command costs beyond PING on the same server.
#
# Environment (all optional):
#   CAIRN_SERVER      cairn binary           (default <repo>/build/bin/cairn-server;
#                     copied once at the start so a rebuild mid-run does not
#                     mix builds)
#   REDIS_SERVER      reference binary       (default /usr/bin/redis-server)
#   REDIS_BENCHMARK, REDIS_CLI               (defaults from PATH)
#   ROUNDS            rounds                 (default 5)
#   MODES             "mem durable", or one of them (default "mem durable")
#   CLIENT_COUNTS     client counts (-c)     (default "1 50")
#   REQUESTS          requests per test, mem, 50 clients (default 100000)
#   REQUESTS_1C       ... mem, 1 client      (default 20000)
#   DURABLE_REQUESTS     ... durable, >1 client (default 20000)
#   DURABLE_REQUESTS_1C  ... durable, 1 client  (default 3000)
#   KEYSPACE          -r for the small tests (default 100000)
#   BIG               members of each big key, 0 to skip them (default 1000000)
#   BIG_CLIENTS       clients for the big lookups (default 50)
#   BIG_REQUESTS      requests per big lookup test (default 100000)
#   BENCH_TIMEOUT     seconds allowed per step (default 300)
#   BENCH_TMP         parent of the temp data dirs (default /tmp)
#   CAIRN_EXTRA_ARGS  extra words appended to cairn's command line
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-5}"
MODES="${MODES:-mem durable}"
CLIENT_COUNTS="${CLIENT_COUNTS:-1 50}"
REQUESTS="${REQUESTS:-100000}"
REQUESTS_1C="${REQUESTS_1C:-20000}"
DURABLE_REQUESTS="${DURABLE_REQUESTS:-20000}"
DURABLE_REQUESTS_1C="${DURABLE_REQUESTS_1C:-3000}"
KEYSPACE="${KEYSPACE:-100000}"
BIG="${BIG:-1000000}"
BIG_CLIENTS="${BIG_CLIENTS:-50}"
BIG_REQUESTS="${BIG_REQUESTS:-100000}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
BENCH_TMP="${BENCH_TMP:-/tmp}"
BINARY_WAIT="${BINARY_WAIT:-120}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout
for v in ROUNDS REQUESTS REQUESTS_1C DURABLE_REQUESTS DURABLE_REQUESTS_1C KEYSPACE \
         BIG_CLIENTS BIG_REQUESTS BENCH_TIMEOUT BINARY_WAIT; do
  need_posint "${v}"
done
[[ "${BIG}" =~ ^[0-9]+$ ]] || die "BIG must be a number (0: no big keys)"
((BIG == 0 || BIG >= 20)) || die "BIG must be 0 or at least 20"
[[ -d "${BENCH_TMP}" ]] || die "BENCH_TMP is not a directory: ${BENCH_TMP}"
read -r -a modes <<< "${MODES}"
read -r -a client_counts <<< "${CLIENT_COUNTS}"
((${#modes[@]} > 0 && ${#client_counts[@]} > 0)) || die "MODES and CLIENT_COUNTS must not be empty"
for m in "${modes[@]}"; do
  [[ "${m}" == mem || "${m}" == durable ]] || die "unknown mode '${m}' (mem, durable)"
done
for c in "${client_counts[@]}"; do
  [[ "${c}" =~ ^[1-9][0-9]*$ ]] || die "CLIENT_COUNTS must hold positive integers"
done

work="$(mktemp -d "${BENCH_TMP}/cairn-collections.XXXXXX")"
results="${work}/results"   # lines: <unit> <test> <server> <value>
: > "${results}"
floors="${work}/floors"     # lines: <io_uring p50 us> <pwrite p50 us>
: > "${floors}"

bench_install_traps

cairn_src="${CAIRN_SERVER}"
SYNC_FLOOR="${SYNC_FLOOR:-$(dirname "${cairn_src}")/cairn-sync-floor}"
stable_copy "${cairn_src}" "${work}/cairn-server"
CAIRN_SERVER="${work}/cairn-server"
need_servers

# start_server <cairn|redis> <dir> <mem|durable>
start_server() {
  local name="$1" dir="$2" mode="$3" bin
  mkdir -p "${dir}"
  port="$(free_port)"
  local -a cmd
  if [[ "${mode}" == mem ]]; then
    server_cmd "${name}" "${dir}"
    launch_server "${name}" "${dir}" "${cmd[@]}"
    config_check "${name}" appendonly no
  else
    if [[ "${name}" == cairn ]]; then bin="${CAIRN_SERVER}"; else bin="${REDIS_SERVER}"; fi
    cmd=("${bin}" --port "${port}" --bind 127.0.0.1 --dir "${dir}" --save "")
    # cairn keeps its own defaults; redis is told to match them.
    [[ "${name}" == redis ]] && cmd+=(--appendonly yes --appendfsync always)
    # shellcheck disable=SC2206  # word splitting is intended
    [[ "${name}" == cairn && -n "${CAIRN_EXTRA_ARGS}" ]] && cmd+=(${CAIRN_EXTRA_ARGS})
    launch_server "${name}" "${dir}" "${cmd[@]}"
    config_check "${name}" appendonly yes
    config_check "${name}" appendfsync always
  fi
  config_check "${name}" save ""
}

SMALL_IDS=(PING LPUSH LPOP SADD HSET ZADD ZRANGE100)
SMALL_LABELS=("PING (floor)" LPUSH LPOP SADD HSET "ZADD rand" "ZRANGE 0 99")
ZADD_CMD=(zadd zbench __rand_int__ m:__rand_int__)
ZRANGE_CMD=(zrange zr 0 99)

# record <unit> <test> <server> <value> <round> <what>
record() {
  [[ "$4" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "no result for $2 from $3 ($1)"
  echo "$1 $2 $3 $4" >> "${results}"
  printf '  round %d  %-5s %-18s %-22s %12.0f %s\n' "$5" "$3" "$1" "$2" "$4" "$6" >&2
}

# small_unit <cairn|redis> <round> <mode> <clients>
small_unit() {
  local name="$1" round="$2" mode="$3" clients="$4" n unit dir
  unit="${mode}-c${clients}"
  if [[ "${mode}" == mem ]]; then
    n="${REQUESTS}"; ((clients > 1)) || n="${REQUESTS_1C}"
  else
    n="${DURABLE_REQUESTS}"; ((clients > 1)) || n="${DURABLE_REQUESTS_1C}"
  fi
  dir="${work}/r${round}-${unit}-${name}"
  start_server "${name}" "${dir}" "${mode}"
  local -a common=(-q --csv -c "${clients}" -n "${n}" -r "${KEYSPACE}")
  run_benchmark "${dir}" "${dir}/t.csv" "${name} (${unit})" "${common[@]}" \
    -t ping_mbulk,lpush,lpop,sadd,hset
  run_benchmark "${dir}" "${dir}/zadd.csv" "${name} (${unit}, ZADD)" "${common[@]}" "${ZADD_CMD[@]}"
  # zr: 100 members, member:0 .. member:99 with scores 0 .. 99.
  local -a pairs=()
  local i
  for ((i = 0; i < 100; i++)); do pairs+=("${i}" "member:${i}"); done
  [[ "$(cli zadd zr "${pairs[@]}")" == 100 ]] || die "${name}: could not make zr"
  run_benchmark "${dir}" "${dir}/zrange.csv" "${name} (${unit}, ZRANGE)" "${common[@]}" "${ZRANGE_CMD[@]}"
  [[ "$(cli llen mylist)" == 0 ]] || die "${name}: LPOP left mylist non-empty (${unit})"
  stop_server
  record "${unit}" PING "${name}" "$(csv_rps "${dir}/t.csv" PING_MBULK)" "${round}" "req/s"
  local t
  for t in LPUSH LPOP SADD HSET; do
    record "${unit}" "${t}" "${name}" "$(csv_rps "${dir}/t.csv" "${t}")" "${round}" "req/s"
  done
  record "${unit}" ZADD "${name}" "$(csv_rps "${dir}/zadd.csv" "${ZADD_CMD[*]}")" "${round}" "req/s"
  record "${unit}" ZRANGE100 "${name}" "$(csv_rps "${dir}/zrange.csv" "${ZRANGE_CMD[*]}")" "${round}" "req/s"
  rm -rf "${dir}"
}

# timed_pipe <dir> <resp file> <commands> <what>: feeds the file through
# redis-cli --pipe, checks every reply, prints commands per second.
timed_pipe() {
  local dir="$1" file="$2" count="$3" what="$4" t0 t1
  t0="$(date +%s%N)"
  run_step "${dir}" "${file}" "${dir}/pipe.out" "${what}" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  t1="$(date +%s%N)"
  grep -q "errors: 0, replies: ${count}\$" "${dir}/pipe.out" ||
    { cat "${dir}/pipe.out" >&2; die "${what}: redis-cli --pipe reported errors"; }
  awk -v n="${count}" -v ns="$((t1 - t0))" 'BEGIN { printf "%.2f", n / (ns / 1e9) }'
}

BIG_IDS=(ZSCORE ZRANK ZRANGEBYSCORE HGET FILL_ZSET FILL_HASH)
BIG_LABELS=("ZSCORE rand member" "ZRANK rand member" "ZRANGE r +inf BYSCORE LIMIT 0 10"
            "HGET rand field"
            "fill zset, members/s" "fill hash, fields/s")
BIG_CMDS=("zscore zbig m:__rand_int__" "zrank zbig m:__rand_int__"
          "zrange zbig __rand_int__ +inf BYSCORE LIMIT 0 10" "hget hbig f:__rand_int__")

# big_unit <cairn|redis> <round>
big_unit() {
  local name="$1" round="$2" dir unit=big rate
  dir="${work}/r${round}-big-${name}"
  start_server "${name}" "${dir}" mem
  rate="$(timed_pipe "${dir}" "${work}/zbig.resp" "${zbig_cmds}" "${name}: filling zbig")"
  record "${unit}" FILL_ZSET "${name}" "$(awk -v r="${rate}" -v b="${BIG}" -v c="${zbig_cmds}" 'BEGIN { printf "%.2f", r * b / c }')" "${round}" "members/s"
  rate="$(timed_pipe "${dir}" "${work}/hbig.resp" "${hbig_cmds}" "${name}: filling hbig")"
  record "${unit}" FILL_HASH "${name}" "$(awk -v r="${rate}" -v b="${BIG}" -v c="${hbig_cmds}" 'BEGIN { printf "%.2f", r * b / c }')" "${round}" "fields/s"
  [[ "$(cli zcard zbig)" == "${BIG}" ]] || die "${name}: ZCARD zbig is not ${BIG}"
  [[ "$(cli hlen hbig)" == "${BIG}" ]] || die "${name}: HLEN hbig is not ${BIG}"
  local i out
  for ((i = 0; i < ${#BIG_CMDS[@]}; i++)); do
    out="${dir}/big${i}.csv"
    # shellcheck disable=SC2086  # the command's words
    run_benchmark "${dir}" "${out}" "${name} (${BIG_IDS[$i]})" \
      -q --csv -c "${BIG_CLIENTS}" -n "${BIG_REQUESTS}" -r "${BIG}" ${BIG_CMDS[$i]}
    record "${unit}" "${BIG_IDS[$i]}" "${name}" "$(csv_rps "${out}" "${BIG_CMDS[$i]}")" "${round}" "req/s"
  done
  stop_server
  rm -rf "${dir}"
}

floor_once() {
  [[ -x "${SYNC_FLOOR}" ]] || return 0
  local f="${work}/floor.out"
  run_step "${work}" /dev/null "${f}" "cairn-sync-floor" "${SYNC_FLOOR}" "${work}" 2000
  echo "$(metric "${f}" uring_p50_us) $(metric "${f}" pwrite_p50_us)" >> "${floors}"
  printf '  round %d  floor: io_uring write+fdatasync p50 %s us, pwrite+fdatasync p50 %s us\n' \
    "${round}" "$(metric "${f}" uring_p50_us)" "$(metric "${f}" pwrite_p50_us)" >&2
}

echo "cairn: ${cairn_src} (copied to ${CAIRN_SERVER}; $("${CAIRN_SERVER}" --version | head -n1))" >&2
echo "redis: ${REDIS_SERVER} ($("${REDIS_SERVER}" --version | head -n1))" >&2
echo "rounds=${ROUNDS} modes='${MODES}' clients='${CLIENT_COUNTS}' requests=${REQUESTS}/${REQUESTS_1C} (mem 50c/1c) durable=${DURABLE_REQUESTS}/${DURABLE_REQUESTS_1C} keyspace=${KEYSPACE} big=${BIG} big_clients=${BIG_CLIENTS} big_requests=${BIG_REQUESTS}" >&2
echo "data dirs: ${work}" >&2

if ((BIG > 0)); then
  gen() { run_step "${work}" /dev/null "${work}/gen.out" "bench/bigkeys.py $1" "${PYTHON}" "${script_dir}/bigkeys.py" "$@"; tail -n1 "${work}/gen.out"; }
  zbig_cmds="$(gen zset zbig "${BIG}" "${work}/zbig.resp")"
  hbig_cmds="$(gen hash hbig "${BIG}" "${work}/hbig.resp")"
fi

durable_on=0
for m in "${modes[@]}"; do [[ "${m}" == durable ]] && durable_on=1; done

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  ((durable_on)) && floor_once
  for m in "${modes[@]}"; do
    for c in "${client_counts[@]}"; do
      for name in "${order[@]}"; do small_unit "${name}" "${round}" "${m}" "${c}"; done
    done
  done
  if ((BIG > 0)); then
    for name in "${order[@]}"; do big_unit "${name}" "${round}"; done
  fi
done

median() {  # median <unit> <test> <server>
  awk -v u="$1" -v t="$2" -v s="$3" '$1 == u && $2 == t && $3 == s { print $4 }' "${results}" | median_of
}
# us_over <rps> <ping rps>: microseconds per request beyond PING.
us_over() { awk -v a="$1" -v p="$2" 'BEGIN { if (a > 0 && p > 0) printf "%.1f", 1e6 / a - 1e6 / p; else print "-" }'; }

mode_label() { if [[ "$1" == mem ]]; then echo "in-memory"; else echo "durable"; fi; }

echo
for m in "${modes[@]}"; do
  if [[ "${m}" == mem ]]; then
    echo "== in-memory: both --appendonly no --save \"\" =="
  else
    echo "== durable: cairn defaults (appendonly yes, appendfsync always) vs redis --appendonly yes --appendfsync always; both --save \"\" =="
  fi
  printf '%-7s %-14s %12s %12s %8s %10s %10s\n' clients test "cairn req/s" "redis req/s" "c/r" "cairn us+" "redis us+"
  for c in "${client_counts[@]}"; do
    unit="${m}-c${c}"
    cp_="$(median "${unit}" PING cairn)"
    rp_="$(median "${unit}" PING redis)"
    for ((i = 0; i < ${#SMALL_IDS[@]}; i++)); do
      cv="$(median "${unit}" "${SMALL_IDS[$i]}" cairn)"
      rv="$(median "${unit}" "${SMALL_IDS[$i]}" redis)"
      if [[ "${SMALL_IDS[$i]}" == PING ]]; then cu="-"; ru="-"; else cu="$(us_over "${cv}" "${cp_}")"; ru="$(us_over "${rv}" "${rp_}")"; fi
      printf '%-7s %-14s %12.0f %12.0f %8s %10s %10s\n' "${c}" "${SMALL_LABELS[$i]}" "${cv}" "${rv}" "$(ratio "${cv}" "${rv}")" "${cu}" "${ru}"
    done
  done
  if [[ "${m}" == mem ]]; then
    echo "(requests per test: ${REQUESTS} at >1 client, ${REQUESTS_1C} at 1 client)"
  else
    echo "(requests per test: ${DURABLE_REQUESTS} at >1 client, ${DURABLE_REQUESTS_1C} at 1 client; PING and ZRANGE do not write)"
    if [[ -s "${floors}" ]]; then
      echo "floor on this machine: 100-byte write+fdatasync p50 $(awk '{ print $1 }' "${floors}" | median_of) us (io_uring), $(awk '{ print $2 }' "${floors}" | median_of) us (pwrite) [cairn-sync-floor]"
    else
      echo "floor: ${SYNC_FLOOR} not found, not measured"
    fi
  fi
  echo
done
if ((BIG > 0)); then
  echo "== big collections: a ${BIG}-member sorted set and hash; both --appendonly no --save \"\" =="
  printf '%-34s %12s %12s %8s\n' test cairn redis "c/r"
  for ((i = 0; i < ${#BIG_IDS[@]}; i++)); do
    cv="$(median big "${BIG_IDS[$i]}" cairn)"
    rv="$(median big "${BIG_IDS[$i]}" redis)"
    printf '%-34s %12.0f %12.0f %8s\n' "${BIG_LABELS[$i]}" "${cv}" "${rv}" "$(ratio "${cv}" "${rv}")"
  done
  echo "(req/s unless named; lookups: ${BIG_CLIENTS} clients, ${BIG_REQUESTS} requests, random members of all ${BIG})"
  echo
fi
echo "(medians of ${ROUNDS} rounds; c/r = cairn/redis, above 1.00 cairn is faster; us+ = microseconds per request beyond PING on the same server and client count)"
