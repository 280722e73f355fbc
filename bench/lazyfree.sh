#!/usr/bin/env bash
# Lazy free: other clients' latency while a big value is freed, cairn-server
# and redis-server side by side in one run (issue 10: "UNLINK and FLUSHALL
# ASYNC of a 1M-member sorted set or hash free memory off the engine thread,
# so other clients' p99 during the free stays under 5 ms"). See bench/README.md
# ("Lazy free").
#
# For each case, each server in turn is started fresh (127.0.0.1, empty temp
# dir, --appendonly no --save ""), given big:zset (a sorted set of MEMBERS
# members) and/or big:hash (a hash of MEMBERS fields) through redis-cli
# --pipe (bench/bigkeys.py), and then bench/lazyfree_probe.py runs: a probe
# client sends GET every INTERVAL_US and times each reply (counted from when
# it was due, so a stall counts once per request it delays); after IDLE_MS a
# second client sends the case's command; the probe goes on for WINDOW_MS.
# Cases:
#   unlink-zset, unlink-hash   UNLINK big:zset / big:hash
#   del-zset, del-hash         DEL (synchronous: the contrast)
#   flushall-async             FLUSHALL ASYNC with both keys in the db
#   flushall-sync              FLUSHALL (synchronous), both keys
#   unlink-zset:info           UNLINK big:zset while the second client polls
#                              INFO memory every INFO_POLL_MS (as a monitoring
#                              agent would); the other cases send nothing but
#                              the probe's GETs until the window is over
# The table shows, per case and server, medians over the rounds of the
# probe's p50/p99/max in the window and its p99 while idle just before (the
# machine's floor), the command's reply time, when the memory was freed, and
# the growth of lazyfreed_objects. Then PASS/FAIL: cairn's window p99 below
# P99_LIMIT_MS on the UNLINK and FLUSHALL ASYNC cases. The order cairn/redis
# swaps every round.
#
# Environment (all optional):
#   CAIRN_SERVER      cairn binary           (default <repo>/build/bin/cairn-server;
#                     copied once at the start so a rebuild mid-run does not
#                     mix builds)
#   REDIS_SERVER      reference binary       (default /usr/bin/redis-server)
#   REDIS_CLI         loader                 (default redis-cli)
#   ROUNDS            rounds                 (default 3)
#   MEMBERS           members of each big key (default 1000000)
#   CASES             which cases            (default: all of the above)
#   INTERVAL_US       probe period           (default 500)
#   IDLE_MS           probe time before the command (default 1000)
#   WINDOW_MS         probe time from the command (default 1500)
#   INFO_POLL_MS      INFO period in the :info case (default 100)
#   P99_LIMIT_MS      the target             (default 5)
#   BENCH_TIMEOUT     seconds allowed per step (default 300)
#   BENCH_TMP         parent of the temp data dirs (default /tmp)
#   CAIRN_EXTRA_ARGS  extra words appended to cairn's command line
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-3}"
MEMBERS="${MEMBERS:-1000000}"
CASES="${CASES:-unlink-zset del-zset unlink-hash del-hash flushall-async flushall-sync unlink-zset:info}"
INTERVAL_US="${INTERVAL_US:-500}"
IDLE_MS="${IDLE_MS:-1000}"
WINDOW_MS="${WINDOW_MS:-1500}"
INFO_POLL_MS="${INFO_POLL_MS:-100}"
P99_LIMIT_MS="${P99_LIMIT_MS:-5}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
BENCH_TMP="${BENCH_TMP:-/tmp}"
BINARY_WAIT="${BINARY_WAIT:-120}"
SETTLE="${SETTLE:-0.5}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_tools "${REDIS_CLI}" "${PYTHON}" timeout
for v in ROUNDS MEMBERS INTERVAL_US IDLE_MS WINDOW_MS INFO_POLL_MS BENCH_TIMEOUT BINARY_WAIT; do
  need_posint "${v}"
done
[[ "${P99_LIMIT_MS}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "P99_LIMIT_MS must be a number"
[[ -d "${BENCH_TMP}" ]] || die "BENCH_TMP is not a directory: ${BENCH_TMP}"
read -r -a cases <<< "${CASES}"
((${#cases[@]} > 0)) || die "CASES is empty"
for c in "${cases[@]}"; do
  [[ "${c}" =~ ^(unlink-zset|del-zset|unlink-hash|del-hash|flushall-async|flushall-sync)(:info)?$ ]] ||
    die "unknown case '${c}'"
done

work="$(mktemp -d "${BENCH_TMP}/cairn-lazyfree.XXXXXX")"
results="${work}/results"   # lines: <case> <server> <metric> <value>
: > "${results}"

bench_install_traps

cairn_src="${CAIRN_SERVER}"
stable_copy "${cairn_src}" "${work}/cairn-server"
CAIRN_SERVER="${work}/cairn-server"
need_servers

# fill <dir> <name> <zset|hash>: loads big:<kind> and checks its size.
fill() {
  local dir="$1" name="$2" kind="$3" n
  run_step "${dir}" "${work}/${kind}.resp" "${dir}/pipe.out" "filling big:${kind} in ${name}" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  grep -q "errors: 0, replies: ${fill_cmds}\$" "${dir}/pipe.out" ||
    { cat "${dir}/pipe.out" >&2; die "${name}: redis-cli --pipe reported errors"; }
  if [[ "${kind}" == zset ]]; then n="$(cli zcard big:zset)"; else n="$(cli hlen big:hash)"; fi
  [[ "${n}" == "${MEMBERS}" ]] || die "${name}: big:${kind} has ${n} members, expected ${MEMBERS}"
}

# measure_one <case> <cairn|redis> <round>
measure_one() {
  local case="$1" name="$2" round="$3" op="${1%:info}" dir poll=0
  [[ "${case}" == *:info ]] && poll="${INFO_POLL_MS}"
  dir="${work}/r${round}-${case/:/-}-${name}"
  mkdir -p "${dir}"
  local -a cmd
  port="$(free_port)"
  server_cmd "${name}" "${dir}"
  launch_server "${name}" "${dir}" "${cmd[@]}"
  config_check "${name}" appendonly no
  case "${op}" in
    *-zset) fill "${dir}" "${name}" zset ;;
    *-hash) fill "${dir}" "${name}" hash ;;
    *) fill "${dir}" "${name}" zset; fill "${dir}" "${name}" hash ;;
  esac
  sleep "${SETTLE}"
  run_step "${dir}" /dev/null "${dir}/probe.out" "lazyfree_probe.py ${case} against ${name}" env TMPDIR="${dir}" \
    "${PYTHON}" "${script_dir}/lazyfree_probe.py" run "${port}" "${op}" --interval-us "${INTERVAL_US}" \
    --idle-ms "${IDLE_MS}" --window-ms "${WINDOW_MS}" --poll-ms "${poll}"
  kill -0 "${server_pid}" 2>/dev/null || die "${name} exited during ${case}"
  [[ "$(cli dbsize)" =~ ^[01]$ ]] || die "${name}: ${case} left keys behind"
  stop_server
  local f="${dir}/probe.out" m
  for m in idle_p99_ms win_p50_ms win_p99_ms win_max_ms reply_ms freed_ms lazyfreed used_before_mib used_after_mib; do
    echo "${case} ${name} ${m} $(metric "${f}" "${m}")" >> "${results}"
  done
  echo "${case} ${name} sections $(metric "${f}" lazyfree_pending_objects_section)/$(metric "${f}" lazyfreed_objects_section)" >> "${results}"
  echo "${case} ${name} freed_how $(metric "${f}" freed_how)" >> "${results}"
  printf '  round %d  %-5s %-17s idle p99 %7s ms | window p50 %8s p99 %8s max %8s ms | reply %8s ms, freed %8s ms (%s), lazyfreed +%s, used %s -> %s MiB\n' \
    "${round}" "${name}" "${case}" "$(metric "${f}" idle_p99_ms)" "$(metric "${f}" win_p50_ms)" \
    "$(metric "${f}" win_p99_ms)" "$(metric "${f}" win_max_ms)" "$(metric "${f}" reply_ms)" \
    "$(metric "${f}" freed_ms)" "$(metric "${f}" freed_how)" "$(metric "${f}" lazyfreed)" \
    "$(metric "${f}" used_before_mib)" "$(metric "${f}" used_after_mib)" >&2
  rm -rf "${dir}"
}

echo "cairn: ${cairn_src} (copied to ${CAIRN_SERVER}; $("${CAIRN_SERVER}" --version | head -n1))" >&2
echo "redis: ${REDIS_SERVER} ($("${REDIS_SERVER}" --version | head -n1))" >&2
echo "rounds=${ROUNDS} members=${MEMBERS} cases='${CASES}' interval=${INTERVAL_US}us idle=${IDLE_MS}ms window=${WINDOW_MS}ms info_poll=${INFO_POLL_MS}ms" >&2

for kind in zset hash; do
  run_step "${work}" /dev/null "${work}/gen.out" "bench/bigkeys.py ${kind}" \
    "${PYTHON}" "${script_dir}/bigkeys.py" "${kind}" "big:${kind}" "${MEMBERS}" "${work}/${kind}.resp"
  fill_cmds="$(tail -n1 "${work}/gen.out")"
done

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for c in "${cases[@]}"; do
    for name in "${order[@]}"; do measure_one "${c}" "${name}" "${round}"; done
  done
done

median() {  # median <case> <server> <metric>
  awk -v c="$1" -v s="$2" -v m="$3" '$1 == c && $2 == s && $3 == m { print $4 }' "${results}" | median_of
}
worst() {  # worst <case> <server> <metric>
  awk -v c="$1" -v s="$2" -v m="$3" '$1 == c && $2 == s && $3 == m { print $4 }' "${results}" | sort -g | tail -n1
}
# freed <case> <server>: the median free time, "<=W" when only seen after the window.
freed() {
  local how
  how="$(awk -v c="$1" -v s="$2" '$1 == c && $2 == s && $3 == "freed_how" { print $4 }' "${results}" | sort -u | paste -sd/)"
  if [[ "${how}" == by-window-end ]]; then
    echo "<=${WINDOW_MS}"
  else
    printf '%.1f' "$(median "$1" "$2" freed_ms)"
  fi
}

echo
printf '%-17s %-6s %9s | %9s %9s %9s | %9s %9s %10s %9s\n' case server "idle p99" "p50" "p99" "max" "reply" "freed" "lazyfreed" "freed MiB"
for c in "${cases[@]}"; do
  for name in cairn redis; do
    printf '%-17s %-6s %9.2f | %9.2f %9.2f %9.2f | %9.2f %9s %10s %9.1f\n' "${c}" "${name}" \
      "$(median "${c}" "${name}" idle_p99_ms)" "$(median "${c}" "${name}" win_p50_ms)" \
      "$(median "${c}" "${name}" win_p99_ms)" "$(median "${c}" "${name}" win_max_ms)" \
      "$(median "${c}" "${name}" reply_ms)" "$(freed "${c}" "${name}")" \
      "$(awk -v c="${c}" -v s="${name}" '$1 == c && $2 == s && $3 == "lazyfreed" { print $4 }' "${results}" | sort -u | paste -sd/)" \
      "$(awk -v b="$(median "${c}" "${name}" used_before_mib)" -v a="$(median "${c}" "${name}" used_after_mib)" 'BEGIN { print b - a }')"
  done
done
echo "(medians of ${ROUNDS} rounds, in ms; ${MEMBERS} members per key; probe: GET every ${INTERVAL_US} us from one client;"
echo " idle p99: the probe in the ${IDLE_MS} ms before the command (the machine's floor); p50/p99/max: the ${WINDOW_MS} ms from the command;"
echo " reply: the command's own round trip; freed: until lazyfree_pending_objects was 0 again (<=${WINDOW_MS}: done by the window's end;"
echo " only :info polls during the window); lazyfreed: growth of lazyfreed_objects; freed MiB: used_memory before - after)"
for name in cairn redis; do
  s="$(awk -v s="${name}" '$2 == s && $3 == "sections" { print $4 }' "${results}" | sort -u | paste -sd,)"
  echo "${name} reports lazyfree_pending_objects/lazyfreed_objects in INFO sections: ${s}"
done
echo
for c in "${cases[@]}"; do
  [[ "${c}" =~ ^(unlink-|flushall-async) ]] || continue
  p="$(median "${c}" cairn win_p99_ms)"
  w="$(worst "${c}" cairn win_p99_ms)"
  v=FAIL
  awk -v p="${p}" -v l="${P99_LIMIT_MS}" 'BEGIN { exit !(p < l) }' && v=PASS
  printf '%s  %-17s cairn p99 %.2f ms (worst round %.2f ms) < %s ms; redis p99 %.2f ms; idle floor p99 cairn %.2f / redis %.2f ms\n' \
    "${v}" "${c}" "${p}" "${w}" "${P99_LIMIT_MS}" "$(median "${c}" redis win_p99_ms)" \
    "$(median "${c}" cairn idle_p99_ms)" "$(median "${c}" redis idle_p99_ms)"
done
