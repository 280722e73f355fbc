#!/usr/bin/env bash
# RDB snapshots: cairn-server and redis-server side by side in one run
# (issue 4's benchmark). Each server in turn gets a fresh temp dir, is filled
# with KEYS distinct string keys (key:0 .. key:KEYS-1, VALUE_SIZE-byte values,
# piped in as RESP through `redis-cli --pipe`), and then measured:
#   - used_memory (INFO memory), RSS and Pss of the server before BGSAVE;
#   - BGSAVE wall time: from BGSAVE's reply until INFO persistence reports
#     rdb_bgsave_in_progress:0, polled every 10 ms;
#     Also the time until the child was last seen gone (exited or a zombie),
#     which is free of the 1/hz delay before the server reaps it;
#   - peak memory during BGSAVE of the server plus its children (the BGSAVE
#     child), sampled from /proc every 10 ms: the sum of VmRSS (counts the
#     copy-on-write pages the two share twice) and the sum of Pss from
#     smaps_rollup (shares them out: the fairer figure);
#   - the size of dump.rdb;
#   - restart load time: the server is stopped and a new one started on the
#     same dir; time from exec until PING answers PONG, and until DBSIZE is
#     KEYS.
# Only one server runs at a time, on 127.0.0.1; the order cairn/redis swaps
# every round so drift in machine load hits both alike. The table shows the
# median of each figure over the rounds and the ratio cairn/redis (for every
# row, lower is better). See bench/README.md ("RDB snapshots").
#
# Environment (all optional):
#   CAIRN_SERVER      cairn binary           (default <repo>/build/bin/cairn-server)
#   REDIS_SERVER      reference binary       (default /usr/bin/redis-server)
#   REDIS_CLI         loader and PING        (default redis-cli)
#   ROUNDS            rounds                 (default 3)
#   KEYS              keys in the dataset    (default 1000000)
#   VALUE_SIZE        value bytes            (default 32)
#   BENCH_TIMEOUT     seconds allowed per step (load, BGSAVE, restart) (default 300)
#   BENCH_TMP         parent of the temp data dirs (default /tmp)
#   CAIRN_EXTRA_ARGS  extra words appended to cairn's command line (default none)
# Both servers run with --appendonly no --save "" (so nothing but the BGSAVE
# asked for writes a snapshot).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-3}"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
RUN_STEP_TIMEOUT="$((BENCH_TIMEOUT + 10))"   # lib.sh's run_step: the probes time themselves
BENCH_TMP="${BENCH_TMP:-/tmp}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_servers
need_tools "${REDIS_CLI}" "${PYTHON}" timeout
need_posint ROUNDS
need_posint KEYS
need_posint VALUE_SIZE
need_posint BENCH_TIMEOUT
[[ -d "${BENCH_TMP}" ]] || die "BENCH_TMP is not a directory: ${BENCH_TMP}"
[[ -r /proc/self/smaps_rollup ]] || die "needs /proc/<pid>/smaps_rollup (Linux >= 4.14)"

# Rows of the table: id, label. Every figure is "lower is better".
M_ID=(used_mib rss_mib pss_mib bgsave_ms child_ms peak_rss_mib peak_pss_mib rdb_mib pong_ms full_ms load_s)
M_LABEL=(
  "used_memory before BGSAVE (MiB)"
  "RSS before BGSAVE (MiB)"
  "Pss before BGSAVE (MiB)"
  "BGSAVE wall time (ms)"
  "BGSAVE child gone after (ms)"
  "peak RSS server+child (MiB)"
  "peak Pss server+child (MiB)"
  "dump.rdb size (MiB)"
  "restart: exec to PONG (ms)"
  "restart: exec to DBSIZE=KEYS (ms)"
  "fill via redis-cli --pipe (s)"
)

work="$(mktemp -d "${BENCH_TMP}/cairn-snapshot.XXXXXX")"
results="${work}/results"   # lines: <server> <metric id> <value>
: > "${results}"
nochild="${work}/nochild"   # lines: <server> <round>: no BGSAVE child seen
: > "${nochild}"

bench_install_traps

# The dataset as a RESP stream of SET commands, made once and piped into every
# server. Values are random letters and digits (first one a letter, so no
# server stores them as integers; random, so LZF finds little to compress),
# drawn from a pool of 1024, the same for every run.
cat > "${work}/gen.py" <<'EOF'
import random, string, sys
n, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(4)
alnum = string.ascii_letters + string.digits
pool = []
for _ in range(1024):
    v = rng.choice(string.ascii_letters) + "".join(rng.choices(alnum, k=size - 1))
    pool.append(b"$%d\r\n%s\r\n" % (size, v.encode()))
with open(out, "wb") as f:
    buf = []
    for i in range(n):
        k = b"key:%d" % i
        buf.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n" % (len(k), k))
        buf.append(pool[i & 1023])
        if len(buf) >= 20000:
            f.write(b"".join(buf))
            buf.clear()
    f.write(b"".join(buf))
EOF

# The measuring side, one small RESP client:
#   probe.py bgsave <port> <pid> <timeout>
#     memory before, BGSAVE, poll until done while sampling /proc
#   probe.py restart <port> <pid> <t0 epoch s> <keys> <timeout>
#     time from t0 (just before exec) to PONG and to DBSIZE == keys
# Prints "<metric id> <value>" lines; exits non-zero with a message on error.
cat > "${work}/probe.py" <<'EOF'
import os, socket, sys, time

class RespError(str):
    pass

class Conn:
    def __init__(self, port, timeout):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.s.makefile("rb")

    def cmd(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(parts))
        return self.reply()

    def reply(self):
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise EOFError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2].decode(errors="replace")
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise ValueError("bad reply: %r" % line)

def fail(msg):
    sys.stderr.write("probe: %s\n" % msg)
    sys.exit(1)

def info(c, section):
    r = c.cmd("INFO", section)
    if not isinstance(r, str) or isinstance(r, RespError):
        fail("INFO %s: %r" % (section, r))
    out = {}
    for line in r.splitlines():
        k, sep, v = line.partition(":")
        if sep:
            out[k] = v.strip()
    return out

def proc_kb(path, field):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:  # gone, or a zombie
        pass
    return 0

def rss_kb(pid):
    return proc_kb("/proc/%d/status" % pid, "VmRSS:")

def pss_kb(pid):
    return proc_kb("/proc/%d/smaps_rollup" % pid, "Pss:")

def children(pid):
    kids = set()
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return kids
    if not os.path.exists("/proc/%d/task/%d/children" % (pid, pid)):
        # No CONFIG_PROC_CHILDREN: scan every process's parent.
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                            kids.add(int(d))
                except (OSError, IndexError, ValueError):
                    pass
        return kids
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                kids.update(int(x) for x in f.read().split())
        except OSError:
            pass
    return kids

def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

def mib(kb):
    return "%.2f" % (kb / 1024.0)

def bgsave(port, pid, timeout):
    c = Conn(port, 10)
    used = int(info(c, "memory").get("used_memory", "0"))
    if info(c, "persistence").get("rdb_bgsave_in_progress") != "0":
        fail("a BGSAVE is already in progress")
    print("used_mib %.2f" % (used / 1048576.0))
    print("rss_mib " + mib(rss_kb(pid)))
    print("pss_mib " + mib(pss_kb(pid)))
    r = c.cmd("BGSAVE")
    t0 = time.monotonic()
    if not isinstance(r, str) or isinstance(r, RespError):
        fail("BGSAVE: %r" % (r,))
    peak_rss = peak_pss = samples = child_samples = 0
    child_end = None  # first sample with no live child after one was seen
    while True:
        tick = time.monotonic()
        procs = [pid] + sorted(children(pid))
        rss = sum(rss_kb(p) for p in procs)
        pss = sum(pss_kb(p) for p in procs)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        samples += 1
        if any(rss_kb(p) for p in procs[1:]):
            child_samples += 1
        elif child_samples and child_end is None:
            child_end = tick
        pers = info(c, "persistence")
        if pers.get("rdb_bgsave_in_progress") == "0":
            t1 = time.monotonic()
            if child_samples and child_end is None:
                child_end = t1
            break
        if tick - t0 > timeout:
            fail("BGSAVE still running after %d s" % timeout)
        time.sleep(max(0.0, tick + 0.01 - time.monotonic()))
    status = pers.get("rdb_last_bgsave_status", "?")
    if status != "ok":
        fail("rdb_last_bgsave_status:%s" % status)
    print("bgsave_ms %.1f" % ((t1 - t0) * 1000))
    print("child_ms %.1f" % ((child_end - t0) * 1000 if child_end else 0))
    print("peak_rss_mib " + mib(peak_rss))
    print("peak_pss_mib " + mib(peak_pss))
    print("samples %d" % samples)
    print("child_samples %d" % child_samples)

def restart(port, pid, t0, keys, timeout):
    deadline = time.time() + timeout
    c = None
    while True:
        if time.time() > deadline:
            fail("no PONG within %d s" % timeout)
        if not alive(pid):
            fail("server exited while loading")
        if c is None:
            try:
                c = Conn(port, 5)
            except OSError:
                time.sleep(0.005)
                continue
        try:
            r = c.cmd("PING")
        except (OSError, EOFError):
            c = None
            time.sleep(0.005)
            continue
        if r == "PONG" and not isinstance(r, RespError):
            t_pong = time.time()
            break
        if isinstance(r, RespError) and r.startswith("LOADING"):
            time.sleep(0.005)
            continue
        fail("PING: %r" % (r,))
    last, last_change = None, time.time()
    while True:
        r = c.cmd("DBSIZE")
        now = time.time()
        if isinstance(r, int):
            if r == keys:
                t_full = now
                break
            if r != last:
                last, last_change = r, now
            elif now - last_change > 5:
                fail("DBSIZE stuck at %d, expected %d" % (r, keys))
        elif not (isinstance(r, RespError) and r.startswith("LOADING")):
            fail("DBSIZE: %r" % (r,))
        if now > deadline:
            fail("DBSIZE not %d within %d s (last %r)" % (keys, timeout, r))
        time.sleep(0.005)
    print("pong_ms %.1f" % ((t_pong - t0) * 1000))
    print("full_ms %.1f" % ((t_full - t0) * 1000))

mode = sys.argv[1]
if mode == "bgsave":
    bgsave(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
elif mode == "restart":
    restart(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]),
            int(sys.argv[6]))
else:
    fail("unknown mode " + mode)
EOF


# measure_one <cairn|redis> <round>
measure_one() {
  local name="$1" round="$2" dir t0 t1 n
  dir="${work}/r${round}-${name}"
  mkdir -p "${dir}"
  local -a cmd

  # Fill.
  port="$(free_port)"
  server_cmd "${name}" "${dir}"
  launch_server "${name}" "${dir}" "${cmd[@]}"
  config_check "${name}" appendonly no
  config_check "${name}" save ""
  t0="${EPOCHREALTIME/,/.}"
  run_step "${dir}" "${resp}" "${dir}/pipe.out" "redis-cli --pipe into ${name} (round ${round})" \
    "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" --pipe
  t1="${EPOCHREALTIME/,/.}"
  grep -q "errors: 0, replies: ${KEYS}\$" "${dir}/pipe.out" ||
    { cat "${dir}/pipe.out" >&2; die "${name}: redis-cli --pipe reported errors"; }
  n="$(cli dbsize)"
  [[ "${n}" == "${KEYS}" ]] || die "${name}: DBSIZE ${n} after the fill, expected ${KEYS}"
  echo "load_s $(awk -v a="${t0}" -v b="${t1}" 'BEGIN { printf "%.2f", b - a }')" > "${dir}/fill.out"

  # BGSAVE, memory, file size.
  run_step "${dir}" /dev/null "${dir}/bgsave.out" "BGSAVE on ${name} (round ${round})" \
    "${PYTHON}" "${work}/probe.py" bgsave "${port}" "${server_pid}" "${BENCH_TIMEOUT}"
  [[ -f "${dir}/dump.rdb" ]] || die "${name}: no dump.rdb in ${dir} after BGSAVE"
  echo "rdb_mib $(stat -c %s "${dir}/dump.rdb" | awk '{ printf "%.2f", $1 / 1048576 }')" > "${dir}/rdb.out"
  stop_server

  # Restart on the same dir, timed from exec.
  port="$(free_port)"
  server_cmd "${name}" "${dir}"
  t0="${EPOCHREALTIME/,/.}"
  "${cmd[@]}" > "${dir}/server-restart.log" 2>&1 &
  server_pid=$!
  run_step "${dir}" /dev/null "${dir}/restart.out" "restart of ${name} (round ${round})" \
    "${PYTHON}" "${work}/probe.py" restart "${port}" "${server_pid}" "${t0}" "${KEYS}" "${BENCH_TIMEOUT}"
  stop_server

  local id f v
  for id in "${M_ID[@]}"; do
    v=""
    for f in fill bgsave rdb restart; do
      [[ -n "${v}" ]] || v="$(metric "${dir}/${f}.out" "${id}")"
    done
    [[ -n "${v}" ]] || die "${name}: no figure for ${id}"
    echo "${name} ${id} ${v}" >> "${results}"
  done
  (($(metric "${dir}/bgsave.out" child_samples) > 0)) || echo "${name} ${round}" >> "${nochild}"
  printf '  round %d  %-5s fill %5ss  used %8s MiB  rss %8s  pss %8s  bgsave %8s ms (child %8s)  peak rss %8s  pss %8s MiB (%s samples)  rdb %7s MiB  pong %7s ms  full %7s ms\n' \
    "${round}" "${name}" "$(metric "${dir}/fill.out" load_s)" \
    "$(metric "${dir}/bgsave.out" used_mib)" "$(metric "${dir}/bgsave.out" rss_mib)" \
    "$(metric "${dir}/bgsave.out" pss_mib)" "$(metric "${dir}/bgsave.out" bgsave_ms)" "$(metric "${dir}/bgsave.out" child_ms)" \
    "$(metric "${dir}/bgsave.out" peak_rss_mib)" "$(metric "${dir}/bgsave.out" peak_pss_mib)" \
    "$(metric "${dir}/bgsave.out" samples)" "$(metric "${dir}/rdb.out" rdb_mib)" \
    "$(metric "${dir}/restart.out" pong_ms)" "$(metric "${dir}/restart.out" full_ms)" >&2
  rm -rf "${dir}"
}

echo "cairn: ${CAIRN_SERVER}" >&2
echo "redis: ${REDIS_SERVER} ($("${REDIS_SERVER}" --version | head -n1))" >&2
echo "rounds=${ROUNDS} keys=${KEYS} value_size=${VALUE_SIZE}" >&2
echo "data dirs: ${work} ($(stat -f -c %T "${work}") on $(df -P "${work}" | awk 'NR == 2 { print $1 }'))" >&2

resp="${work}/dataset.resp"
run_step "${work}" /dev/null "${work}/gen.out" "generating the dataset" \
  "${PYTHON}" "${work}/gen.py" "${KEYS}" "${VALUE_SIZE}" "${resp}"
echo "dataset: ${KEYS} SETs, $(stat -c %s "${resp}" | awk '{ printf "%.1f", $1 / 1048576 }') MiB of RESP" >&2

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for name in "${order[@]}"; do
    measure_one "${name}" "${round}"
  done
done

median() {  # median <server> <metric id>
  awk -v s="$1" -v m="$2" '$1 == s && $2 == m { print $3 }' "${results}" | median_of
}

echo
printf '%-34s %12s %12s %12s\n' metric cairn redis cairn/redis
for ((i = 0; i < ${#M_ID[@]}; i++)); do
  c="$(median cairn "${M_ID[$i]}")"
  r="$(median redis "${M_ID[$i]}")"
  printf '%-34s %12.2f %12.2f %12s\n' "${M_LABEL[$i]}" "${c}" "${r}" "$(ratio "${c}" "${r}")"
done
echo "(medians of ${ROUNDS} rounds; ${KEYS} keys, ${VALUE_SIZE}-byte values; lower is better on every row)"
if [[ -s "${nochild}" ]]; then
  awk '{ n[$1]++ } END { for (s in n) printf "WARNING: no BGSAVE child of %s was seen in %d round(s): its peak memory is the parent alone (BGSAVE shorter than 10 ms?)\n", s, n[s] }' "${nochild}"
fi
