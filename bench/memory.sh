#!/usr/bin/env bash
# Memory per key: cairn-server and redis-server side by side in one run
# (issues 5 and 10). For each dataset, each server in turn is started
# fresh on an empty temp dir with persistence off, measured empty, filled
# with distinct keys key:0 .. key:<n-1> (KEYS string keys, or COLL_KEYS
# collections; piped in as RESP through `redis-cli --pipe`), and measured
# again:
#   - used_memory from INFO memory (each allocator's own accounting);
#   - RSS of the server process (VmRSS from /proc/PID/status);
#   - bytes per key = (after - warm) / (keys - warm keys), for each of the
#     two, where "warm" is a sample taken after the first 1% of the keys
#     (see warm_keys).
# Datasets:
#   str  VALUE_SIZE-byte values of random letters and digits (never
#        integer-encoded), from a fixed pool of 1024 as in snapshot.sh;
#   int  SET key:<n> <n>: small integers, which redis keeps as int-encoded
#        objects (shared ones below 10000) rather than strings;
#   ttl  as str, each key with a TTL (SET ... EX 1000000): what an expiry
#        costs on top;
#   hash COLL_KEYS hashes of FIELDS fields: HSET key:<n> f0 <v> f1 <v> ...,
#        values FIELD_SIZE random letters and digits from a fixed pool;
#   zset COLL_KEYS sorted sets of FIELDS members: ZADD key:<n> <score> <m>
#        ..., members FIELD_SIZE random letters and digits from a fixed pool
#        (distinct within a key), scores random integers below 1000000.
# Only one server runs at a time, on 127.0.0.1; the order cairn/redis swaps
# every round. The table shows the median over the rounds of each figure and
# the ratio cairn/redis (lower is better); the last line says whether cairn's
# RSS bytes/key is at most redis's on every dataset. See bench/README.md
# ("Memory per key").
#
# Environment (all optional):
#   CAIRN_SERVER      cairn binary           (default <repo>/build/bin/cairn-server)
#   REDIS_SERVER      reference binary       (default /usr/bin/redis-server)
#   REDIS_CLI         loader and INFO        (default redis-cli)
#   ROUNDS            rounds                 (default 1: memory hardly varies)
#   KEYS              keys, str and int sets (default 1000000)
#   VALUE_SIZE        value bytes, str set   (default 32)
#   COLL_KEYS         keys, hash and zset sets (default 100000)
#   FIELDS            fields / members per hash / zset (default 10)
#   FIELD_SIZE        bytes of a hash value / zset member (default 8)
#   DATASETS          which datasets         (default "str int ttl hash zset")
#   SETTLE            seconds between the end of the fill and the "after"
#                     sample                 (default 1)
#   BENCH_TIMEOUT     seconds allowed per step (generate, fill) (default 300)
#   BENCH_TMP         parent of the temp data dirs (default /tmp)
#   CAIRN_EXTRA_ARGS  extra words appended to cairn's command line (default none)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-1}"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
COLL_KEYS="${COLL_KEYS:-100000}"
FIELDS="${FIELDS:-10}"
FIELD_SIZE="${FIELD_SIZE:-8}"
DATASETS="${DATASETS:-str int ttl hash zset}"
SETTLE="${SETTLE:-1}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
BENCH_TMP="${BENCH_TMP:-/tmp}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_servers
need_tools "${REDIS_CLI}" "${PYTHON}" timeout
need_posint ROUNDS
need_posint KEYS
need_posint VALUE_SIZE
need_posint COLL_KEYS
need_posint FIELDS
need_posint FIELD_SIZE
((FIELDS <= 1024)) || die "FIELDS must be at most 1024"
need_posint BENCH_TIMEOUT
[[ "${SETTLE}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "SETTLE must be a number of seconds"
[[ -d "${BENCH_TMP}" ]] || die "BENCH_TMP is not a directory: ${BENCH_TMP}"
[[ -r /proc/self/status ]] || die "needs /proc/<pid>/status"
read -r -a datasets <<< "${DATASETS}"
((${#datasets[@]} > 0)) || die "DATASETS is empty"
for ds in "${datasets[@]}"; do
  [[ "${ds}" =~ ^(str|int|ttl|hash|zset)$ ]] || die "unknown dataset '${ds}' (str, int, ttl, hash, zset)"
done

# ds_keys <dataset>: how many keys it has.
ds_keys() { if [[ "$1" == hash || "$1" == zset ]]; then echo "${COLL_KEYS}"; else echo "${KEYS}"; fi; }
# warm_keys <dataset>: the first 1% of its keys, loaded before the second
# sample. Bytes per key are measured from there: a server's one-time costs
# on its first big client (buffers, first allocations of each size class,
# what INFO touches the first time) are not per key, and at 100000 keys
# they are worth a byte a key, as much as the difference being measured.
warm_keys() { echo $(($(ds_keys "$1") / 100)); }

work="$(mktemp -d "${BENCH_TMP}/cairn-memory.XXXXXX")"
results="${work}/results"   # lines: <dataset> <server> <metric id> <value>
: > "${results}"

bench_install_traps

# A dataset as a RESP stream of one command per key, made once and piped into
# every server. str: values of random letters and digits (first one a letter,
# so no server stores them as integers) from a pool of 1024, the same every
# run. int: the value of key:<n> is <n>. hash / zset: FIELDS fields f0, f1, ...
# with values (or FIELDS members with scores) drawn the same way, from a pool
# of 1024 distinct strings of FIELD_SIZE bytes; a zset's members are
# consecutive pool entries, so distinct within the key.
cat > "${work}/gen.py" <<'EOF'
import random, string, sys
kind, n, size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
fields = int(sys.argv[5]) if len(sys.argv) > 5 else 0
def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)
pool = []
if kind != "int":
    rng = random.Random(4)
    alnum = string.ascii_letters + string.digits
    seen = set()
    while len(pool) < 1024:
        v = rng.choice(string.ascii_letters) + "".join(rng.choices(alnum, k=size - 1))
        if v not in seen:
            seen.add(v)
            pool.append(v.encode())
scores = random.Random(5)
# The first WARM keys go to <out>.warm, the rest to <out>.
warm = int(sys.argv[6]) if len(sys.argv) > 6 else 0
with open(out + ".warm", "wb") as w, open(out, "wb") as rest:
    f = w
    buf = []
    for i in range(n):
        if i == warm:
            f.write(b"".join(buf))
            buf.clear()
            f = rest
        k = b"key:%d" % i
        if kind == "str":
            buf.append(b"*3\r\n$3\r\nSET\r\n" + bulk(k) + bulk(pool[i & 1023]))
        elif kind == "ttl":
            buf.append(b"*5\r\n$3\r\nSET\r\n" + bulk(k) + bulk(pool[i & 1023]) +
                       bulk(b"EX") + bulk(b"1000000"))
        elif kind == "int":
            buf.append(b"*3\r\n$3\r\nSET\r\n" + bulk(k) + bulk(b"%d" % i))
        elif kind == "hash":
            buf.append(b"*%d\r\n$4\r\nHSET\r\n" % (2 + 2 * fields) + bulk(k))
            for j in range(fields):
                buf.append(bulk(b"f%d" % j) + bulk(pool[(i * fields + j) & 1023]))
        else:
            buf.append(b"*%d\r\n$4\r\nZADD\r\n" % (2 + 2 * fields) + bulk(k))
            for j in range(fields):
                s = b"%d" % scores.randrange(1000000)
                buf.append(bulk(s) + bulk(pool[(i * fields + j) & 1023]))
        if len(buf) >= 20000:
            f.write(b"".join(buf))
            buf.clear()
    f.write(b"".join(buf))
EOF

# sample <name> <out>: writes "used <bytes>" and "rss <bytes>" for the
# running server to <out>; dies if either is missing.
sample() {
  local name="$1" out="$2" used rss
  used="$(cli info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2; exit }')"
  [[ "${used}" =~ ^[0-9]+$ ]] || die "${name}: no used_memory in INFO memory"
  rss="$(awk '$1 == "VmRSS:" { print $2 * 1024; exit }' "/proc/${server_pid}/status" 2>/dev/null || true)"
  [[ "${rss}" =~ ^[0-9]+$ ]] || die "${name}: no VmRSS for pid ${server_pid}"
  printf 'used %s\nrss %s\n' "${used}" "${rss}" > "${out}"
}

# metric <file> <id>: the value of <id> in a sample.

# measure_one <dataset> <cairn|redis> <round>
measure_one() {
  local ds="$1" name="$2" round="$3" dir n keys
  keys="$(ds_keys "${ds}")"
  dir="${work}/r${round}-${ds}-${name}"
  mkdir -p "${dir}"
  local -a cmd

  port="$(free_port)"
  server_cmd "${name}" "${dir}"
  launch_server "${name}" "${dir}" "${cmd[@]}"
  config_check "${name}" appendonly no
  config_check "${name}" save ""
  n="$(cli dbsize)"
  [[ "${n}" == 0 ]] || die "${name}: DBSIZE ${n} on a fresh server, expected 0"
  # At rest before as after: what a server touches in its first moments
  # (threads starting, its first timer ticks) is not the dataset's.
  sleep "${SETTLE}"
  sample "${name}" "${dir}/before"

  warm="$(warm_keys "${ds}")"
  run_step "${dir}" "${work}/${ds}.resp.warm" "${dir}/pipe.out" \
    "redis-cli --pipe into ${name} (${ds} first keys, round ${round})" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  grep -q "errors: 0, replies: ${warm}\$" "${dir}/pipe.out" ||
    { cat "${dir}/pipe.out" >&2; die "${name}: redis-cli --pipe reported errors"; }
  sleep "${SETTLE}"
  sample "${name}" "${dir}/warm"

  run_step "${dir}" "${work}/${ds}.resp" "${dir}/pipe.out" \
    "redis-cli --pipe into ${name} (${ds}, round ${round})" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  grep -q "errors: 0, replies: $((keys - warm))\$" "${dir}/pipe.out" ||
    { cat "${dir}/pipe.out" >&2; die "${name}: redis-cli --pipe reported errors"; }
  n="$(cli dbsize)"
  [[ "${n}" == "${keys}" ]] || die "${name}: DBSIZE ${n} after the fill, expected ${keys}"
  sleep "${SETTLE}"
  kill -0 "${server_pid}" 2>/dev/null || die "${name} exited after the fill"
  sample "${name}" "${dir}/after"
  stop_server

  local ub uw ua rb rw ra
  ub="$(metric "${dir}/before" used)"; uw="$(metric "${dir}/warm" used)"
  ua="$(metric "${dir}/after" used)"
  rb="$(metric "${dir}/before" rss)"; rw="$(metric "${dir}/warm" rss)"
  ra="$(metric "${dir}/after" rss)"
  awk -v d="${ds}" -v s="${name}" -v ub="${ub}" -v uw="${uw}" -v ua="${ua}" -v rb="${rb}" \
      -v rw="${rw}" -v ra="${ra}" -v k="$((keys - warm))" '
    BEGIN {
      m = 1048576
      printf "%s %s used_before %.2f\n%s %s used_after %.2f\n", d, s, ub / m, d, s, ua / m
      printf "%s %s rss_before %.2f\n%s %s rss_after %.2f\n", d, s, rb / m, d, s, ra / m
      printf "%s %s used_per_key %.1f\n%s %s rss_per_key %.1f\n", d, s, (ua - uw) / k, d, s, (ra - rw) / k
    }' >> "${results}"
  awk -v r="${round}" -v d="${ds}" -v s="${name}" -v ub="${ub}" -v uw="${uw}" -v ua="${ua}" \
      -v rb="${rb}" -v rw="${rw}" -v ra="${ra}" -v k="$((keys - warm))" '
    BEGIN {
      m = 1048576
      printf "  round %d  %-4s %-5s used %7.2f / %7.2f -> %8.2f MiB (%6.1f B/key)  rss %7.2f / %7.2f -> %8.2f MiB (%6.1f B/key)\n",
        r, d, s, ub / m, uw / m, ua / m, (ua - uw) / k, rb / m, rw / m, ra / m, (ra - rw) / k
    }' >&2
  rm -rf "${dir}"
}

echo "cairn: ${CAIRN_SERVER}" >&2
echo "redis: ${REDIS_SERVER} ($("${REDIS_SERVER}" --version | head -n1))" >&2
echo "rounds=${ROUNDS} keys=${KEYS} value_size=${VALUE_SIZE} coll_keys=${COLL_KEYS} fields=${FIELDS} field_size=${FIELD_SIZE} datasets='${DATASETS}' settle=${SETTLE}s" >&2

for ds in "${datasets[@]}"; do
  size="${VALUE_SIZE}"
  [[ "${ds}" == hash || "${ds}" == zset ]] && size="${FIELD_SIZE}"
  run_step "${work}" /dev/null "${work}/gen-${ds}.out" "generating the ${ds} dataset" \
    "${PYTHON}" "${work}/gen.py" "${ds}" "$(ds_keys "${ds}")" "${size}" "${work}/${ds}.resp" \
    "${FIELDS}" "$(warm_keys "${ds}")"
  echo "dataset ${ds}: $(ds_keys "${ds}") commands, $(stat -c %s "${work}/${ds}.resp" | awk '{ printf "%.1f", $1 / 1048576 }') MiB of RESP" >&2
done

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for ds in "${datasets[@]}"; do
    for name in "${order[@]}"; do
      measure_one "${ds}" "${name}" "${round}"
    done
  done
done

median() {  # median <dataset> <server> <metric id>
  awk -v d="$1" -v s="$2" -v m="$3" '$1 == d && $2 == s && $3 == m { print $4 }' "${results}" | median_of
}

M_ID=(used_before used_after used_per_key rss_before rss_after rss_per_key)
M_LABEL=(
  "used_memory empty (MiB)"
  "used_memory loaded (MiB)"
  "used_memory bytes/key"
  "RSS empty (MiB)"
  "RSS loaded (MiB)"
  "RSS bytes/key"
)

echo
printf '%-8s %-26s %12s %12s %12s\n' dataset metric cairn redis cairn/redis
verdicts=""
for ds in "${datasets[@]}"; do
  label="${ds}"
  [[ "${ds}" == str ]] && label="str${VALUE_SIZE}"
  [[ "${ds}" == ttl ]] && label="ttl${VALUE_SIZE}"
  [[ "${ds}" == hash || "${ds}" == zset ]] && label="${ds}${FIELDS}"
  for ((i = 0; i < ${#M_ID[@]}; i++)); do
    c="$(median "${ds}" cairn "${M_ID[$i]}")"
    r="$(median "${ds}" redis "${M_ID[$i]}")"
    printf '%-8s %-26s %12.2f %12.2f %12s\n' "${label}" "${M_LABEL[$i]}" "${c}" "${r}" "$(ratio "${c}" "${r}")"
  done
  c="$(median "${ds}" cairn rss_per_key)"
  r="$(median "${ds}" redis rss_per_key)"
  v=meets
  awk -v a="${c}" -v b="${r}" 'BEGIN { exit !(a <= b) }' || v=misses
  verdicts="${verdicts} ${label}: ${v}"
done
echo "(medians of ${ROUNDS} round(s); str, int, ttl: ${KEYS} keys, str and ttl: ${VALUE_SIZE}-byte values, ttl: EX 1000000, int: SET key:<n> <n>; hash, zset: ${COLL_KEYS} keys of ${FIELDS} fields/members, ${FIELD_SIZE}-byte values/members; lower is better)"
# Issue 5's target is the str32 dataset; the int one is shown for what Redis
# saves by sharing small integers. Issue 10's targets are hash and zset.
echo "target: cairn bytes/key (RSS) <= redis:${verdicts}"
