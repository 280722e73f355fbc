#!/usr/bin/env bash
# The offline tools (issue 16, doc/tools.md) beside redis-server's own load
# of the same file, in one run. redis-server 7.0.15 builds an RDB of KEYS
# keys of mixed types (60% strings, then lists, hashes, sets, sorted sets of
# 10 elements and streams of 5 entries; a fifth with a TTL) and SAVEs it.
# Then, ROUNDS times each, timed (wall clock) with the peak RSS of the
# process (ru_maxrss):
#   - redis-server loading the file (from its log's "DB loaded from disk"),
#   - redis-check-rdb on it,
#   - cairn check, export --format json, export --format resp, report,
#     restore --dir (which writes a new base RDB).
# Each cairn figure is printed as a ratio to Redis's load time (target:
# <= 1.00, the tool reads at least as fast as the server loads). The same
# is run on a file of KEYS/4 keys, and the peak RSS of both printed side by
# side: streaming means it does not grow with the file.
#
# Environment (all optional):
#   CAIRN_TOOL     the cairn binary       (default <repo>/build/bin/cairn)
#   REDIS_SERVER, REDIS_CLI, REDIS_CHECK_RDB (default Debian's)
#   KEYS           keys in the big file   (default 1000000)
#   ROUNDS         runs of each step      (default 3)
#   BENCH_TIMEOUT  seconds per step       (default 300)
#   BENCH_TMP      parent of the temp dir (default /tmp)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KEYS="${KEYS:-1000000}"
ROUNDS="${ROUNDS:-3}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
BENCH_TMP="${BENCH_TMP:-/tmp}"
CAIRN_TOOL="${CAIRN_TOOL:-${script_dir}/../build/bin/cairn}"
REDIS_CHECK_RDB="${REDIS_CHECK_RDB:-redis-check-rdb}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_exec "${REDIS_SERVER}" "install redis-server"
need_exec "${CAIRN_TOOL}" "build first, or set CAIRN_TOOL"
need_tools "${REDIS_CLI}" "${REDIS_CHECK_RDB}" "${PYTHON}" timeout
need_posint KEYS
need_posint ROUNDS
need_posint BENCH_TIMEOUT

work="$(mktemp -d "${BENCH_TMP}/cairn-tools.XXXXXX")"
bench_install_traps

# make_rdb <dir> <keys>: <dir>/dump.rdb written by redis-server.
make_rdb() {
  local dir="$1" keys="$2"
  mkdir -p "${dir}"
  port="$(free_port)"
  launch_server redis "${dir}" "${REDIS_SERVER}" --port "${port}" --bind 127.0.0.1 \
    --dir "${dir}" --save "" --appendonly no
  "${PYTHON}" - "${keys}" > "${dir}/fill.resp" <<'EOF'
import random, sys
n = int(sys.argv[1])
rnd = random.Random(16)
out = sys.stdout.buffer
def cmd(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    out.write(b"".join(parts))
for i in range(n):
    k = b"key:%d" % i
    r = rnd.random()
    if r < 0.60:
        cmd(b"SET", k, rnd.randbytes(rnd.randint(16, 120)).hex()[: rnd.randint(16, 120)])
    elif r < 0.70:
        cmd(b"RPUSH", k, *[b"item-%d" % j for j in range(10)])
    elif r < 0.80:
        cmd(b"HSET", k, *[x for j in range(10) for x in (b"f%d" % j, b"value-%d" % rnd.randint(0, 1 << 30))])
    elif r < 0.90:
        cmd(b"SADD", k, *[b"m%d" % rnd.randint(0, 1 << 30) for j in range(10)])
    elif r < 0.98:
        cmd(b"ZADD", k, *[x for j in range(10) for x in (b"%d" % rnd.randint(0, 1000), b"z%d" % j)])
    else:
        for j in range(5):
            cmd(b"XADD", k, b"*", b"field", b"value-%d" % j)
    if rnd.random() < 0.2:
        cmd(b"EXPIRE", k, rnd.randint(3600, 30 * 86400))
EOF
  run_step "${dir}" "${dir}/fill.resp" "${dir}/fill.out" "filling redis-server" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  cli save > /dev/null
  stop_server
  rm -f "${dir}/fill.resp"
}

# timed <out> <command>...: runs it (stdout to /dev/null), appends
# "<seconds> <peak rss kB>" to <out>.
timed() {
  local out="$1"
  shift
  "${PYTHON}" - "${out}" "${BENCH_TIMEOUT}" "$@" <<'EOF'
import resource, subprocess, sys, time
out, limit, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
t = time.monotonic()
p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=limit)
secs = time.monotonic() - t
if p.returncode != 0:
    sys.stderr.write(p.stderr.decode(errors="replace"))
    sys.exit("failed: %s (exit %d)" % (" ".join(argv), p.returncode))
with open(out, "a") as f:
    f.write("%.3f %d\n" % (secs, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF
}

# redis_load <dir> <out>: redis-server loads <dir>/dump.rdb; appends its own
# load time (from the log) and its RSS once loaded.
redis_load() {
  local dir="$1" out="$2"
  port="$(free_port)"
  rm -f "${dir}/server.log"
  launch_server redis "${dir}" "${REDIS_SERVER}" --port "${port}" --bind 127.0.0.1 \
    --dir "${dir}" --save "" --appendonly no
  local i secs=""
  for ((i = 0; i < BENCH_TIMEOUT * 10; i++)); do
    secs="$(sed -n 's/.*DB loaded from disk: \([0-9.]*\) seconds.*/\1/p' "${dir}/server.log")"
    [[ -n "${secs}" ]] && break
    sleep 0.1
  done
  [[ -n "${secs}" ]] || die "redis-server did not report its load"
  local rss
  rss="$(awk '/^VmHWM/ { print $2 }' "/proc/${server_pid}/status")"
  stop_server
  echo "${secs} ${rss}" >> "${out}"
}

med_col() { awk -v c="$1" '{ print $c }' "$2" | median_of; }

measure() {
  local dir="$1" tag="$2" r
  local rdb="${dir}/dump.rdb"
  for ((r = 1; r <= ROUNDS; r++)); do
    redis_load "${dir}" "${work}/${tag}.redis-load"
    timed "${work}/${tag}.redis-check-rdb" "${REDIS_CHECK_RDB}" "${rdb}"
    timed "${work}/${tag}.check" "${CAIRN_TOOL}" check --quiet "${rdb}"
    timed "${work}/${tag}.json" "${CAIRN_TOOL}" export --quiet --format json "${rdb}"
    timed "${work}/${tag}.resp" "${CAIRN_TOOL}" export --quiet --format resp "${rdb}"
    timed "${work}/${tag}.report" "${CAIRN_TOOL}" report --quiet "${rdb}"
    rm -rf "${dir}/restored"
    timed "${work}/${tag}.restore" "${CAIRN_TOOL}" restore --quiet "${rdb}" --dir "${dir}/restored"
    rm -rf "${dir}/restored"
    echo "${tag}: round ${r} done" >&2
  done
}

echo "building the files (redis-server, ${KEYS} and $((KEYS / 4)) keys)..." >&2
make_rdb "${work}/big" "${KEYS}"
make_rdb "${work}/small" "$((KEYS / 4))"
measure "${work}/big" big
measure "${work}/small" small

mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }
load="$(med_col 1 "${work}/big.redis-load")"
printf '\nRDB of %d keys of mixed types: %s MiB (a quarter of it: %s MiB); median of %d rounds\n' \
  "${KEYS}" "$(mib "${work}/big/dump.rdb")" "$(mib "${work}/small/dump.rdb")" "${ROUNDS}"
printf '%-28s %10s %16s %18s %18s\n' "step" "seconds" "/ redis load" "peak RSS MiB" "RSS, 1/4 file"
for step in redis-load redis-check-rdb check json resp report restore; do
  secs="$(med_col 1 "${work}/big.${step}")"
  rss="$(med_col 2 "${work}/big.${step}")"
  rss_small="$(med_col 2 "${work}/small.${step}")"
  case "${step}" in
    redis-load) label="redis-server load" ;;
    redis-check-rdb) label="redis-check-rdb" ;;
    check) label="cairn check" ;;
    json) label="cairn export --format json" ;;
    resp) label="cairn export --format resp" ;;
    report) label="cairn report" ;;
    restore) label="cairn restore --dir" ;;
  esac
  printf '%-28s %10s %16s %18s %18s\n' "${label}" "${secs}" "$(ratio "${secs}" "${load}")" \
    "$(awk -v k="${rss}" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(awk -v k="${rss_small}" 'BEGIN { printf "%.1f", k / 1024 }')"
done
echo "(/ redis load: at or below 1.00, the tool reads the file at least as fast as redis-server loads it)"
