# Helpers shared by the bench/ scripts. Sourced, not run. The sourcing
# script sets `set -euo pipefail` and BENCH_TIMEOUT (time limit) first; the
# servers and tools below default here unless the environment names others:
#   CAIRN_SERVER, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI, PYTHON
# and, before calling bench_install_traps, `work` (its temp dir, removed on
# exit). The helpers maintain `server_pid`, `bench_pid` and `port`: at most one
# server and one redis-benchmark run at a time, everything on 127.0.0.1.
# shellcheck shell=bash
# shellcheck disable=SC2154  # the globals above are set by the sourcing script

bench_prog="$(basename "$0")"
server_pid=""
bench_pid=""
port=""

die() { echo "${bench_prog}: $*" >&2; exit 1; }

CAIRN_SERVER="${CAIRN_SERVER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/bin/cairn-server}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-redis-benchmark}"
REDIS_CLI="${REDIS_CLI:-redis-cli}"
PYTHON="${PYTHON:-/usr/bin/python3}"

# need_exec <binary> <hint>: dies unless <binary> is an executable file.
need_exec() {
  [[ -x "$1" ]] || die "not executable: $1 ($2)"
}

# need_servers: dies unless both servers are executable files.
need_servers() {
  local bin
  for bin in "${CAIRN_SERVER}" "${REDIS_SERVER}"; do
    need_exec "${bin}" "build first, or set CAIRN_SERVER / REDIS_SERVER"
  done
}

# need_tools <tool>...: dies unless every tool is on PATH (or a path to one).
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "${tool}" >/dev/null || die "missing tool: ${tool}"
  done
}

# need_posint <NAME>: dies unless the variable NAME holds a positive integer.
need_posint() {
  [[ "${!1}" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer"
}

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

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # shellcheck disable=SC2086  # one pid or several (durable.sh's run_clients)
  [[ -n "${bench_pid}" ]] && kill -TERM ${bench_pid} 2>/dev/null
  stop_server
  rm -rf "${work}"
  exit "${rc}"
}

# On any exit (error, Ctrl-C, TERM): stop the benchmark and the server, and
# remove ${work}.
bench_install_traps() {
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

free_port() {
  "${PYTHON}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# launch_server <name> <dir> <command>...: runs the command (which must listen
# on 127.0.0.1:${port}; pick the port with free_port first) with its output in
# <dir>/server.log, sets server_pid, and returns once it answers PING. Dies,
# showing the log, if it exits or stays silent for 10 s.
launch_server() {
  local name="$1" dir="$2"
  shift 2
  "$@" > "${dir}/server.log" 2>&1 &
  server_pid=$!
  local i
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "${server_pid}" 2>/dev/null; then
      cat "${dir}/server.log" >&2
      die "${name} exited during start-up: $*"
    fi
    if [[ "$(timeout 2 "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" ping 2>/dev/null)" == PONG ]]; then
      return 0
    fi
    sleep 0.1
  done
  cat "${dir}/server.log" >&2
  die "${name} did not answer PING on 127.0.0.1:${port} within 10s"
}

# run_benchmark <dir> <out> <what> <redis-benchmark args>...: runs
# redis-benchmark against 127.0.0.1:${port}, stdout to <out>, stderr to
# <dir>/bench.err, cut off after BENCH_TIMEOUT seconds. On failure shows the
# benchmark's stderr and <dir>/server.log and dies naming <what>.
run_benchmark() {
  local dir="$1" out="$2" what="$3"
  shift 3
  # In the background and waited for, so a signal to the script is acted on
  # at once rather than after the benchmark finishes.
  timeout "${BENCH_TIMEOUT}" "${REDIS_BENCHMARK}" -h 127.0.0.1 -p "${port}" \
    "$@" > "${out}" 2> "${dir}/bench.err" &
  bench_pid=$!
  local status=0
  wait "${bench_pid}" || status=$?
  bench_pid=""
  if ((status != 0)); then
    cat "${dir}/bench.err" "${dir}/server.log" >&2
    die "redis-benchmark failed or timed out against ${what}"
  fi
}

# csv_rps <out> <TEST>: the requests/s redis-benchmark --csv reported for TEST
# (empty if none).
csv_rps() {
  local line
  # (A fixed string: test names may hold regex characters, XADD's `*`.)
  line="$(grep -m1 -F "\"$2\"," "$1" || true)"
  cut -d, -f2 <<< "${line}" | tr -d '"'
}

# server_cpu_us: CPU time (user + system) the server ${server_pid} has used
# so far, in microseconds. Beside req/s it is the steadier measure on a
# 2-core machine, where the benchmark client competes with the server and a
# noisy neighbour moves req/s by a third from run to run.
server_cpu_us() {
  local hz
  hz="$(getconf CLK_TCK)"
  # (Fields after the command name, which is in parentheses: utime, stime
  # are the 12th and 13th.)
  sed 's/^.*) //' "/proc/${server_pid}/stat" |
    awk -v hz="${hz}" '{ printf "%.0f\n", ($12 + $13) * 1e6 / hz }'
}

# median_of: the median of the numbers on stdin, one per line.
median_of() {
  sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- shared by snapshot.sh and memory.sh (and config_check by durable.sh) ----

# run_step <dir> <stdin> <out> <what> <command>...: runs the command with that
# stdin, stdout to <out> and stderr to <out>.err, cut off after
# RUN_STEP_TIMEOUT (default BENCH_TIMEOUT) seconds. In the background and
# waited for, so a signal to the script is acted on at once. On failure shows
# its output and the server logs in <dir>, and dies naming <what>.
run_step() {
  local dir="$1" input="$2" out="$3" what="$4"
  shift 4
  timeout "${RUN_STEP_TIMEOUT:-${BENCH_TIMEOUT}}" "$@" < "${input}" > "${out}" 2> "${out}.err" &
  bench_pid=$!
  local status=0
  wait "${bench_pid}" || status=$?
  bench_pid=""
  if ((status != 0)); then
    cat "${out}" "${out}.err" "${dir}"/*.log >&2 2>/dev/null || true
    die "${what} failed or timed out"
  fi
}

# server_cmd <cairn|redis> <dir>: sets the array `cmd` to that server's
# command line with persistence off, listening on 127.0.0.1:${port}.
server_cmd() {
  local name="$1" dir="$2" bin
  if [[ "${name}" == cairn ]]; then bin="${CAIRN_SERVER}"; else bin="${REDIS_SERVER}"; fi
  cmd=("${bin}" --port "${port}" --bind 127.0.0.1 --dir "${dir}" --appendonly no --save "")
  # shellcheck disable=SC2206  # word splitting is intended
  [[ "${name}" == cairn && -n "${CAIRN_EXTRA_ARGS}" ]] && cmd+=(${CAIRN_EXTRA_ARGS})
  return 0
}

# config_check <name> <key> <expected>: if the server answers CONFIG GET key,
# the answer must be <expected>; a server without CONFIG GET passes.
config_check() {
  local name="$1" key="$2" want="$3" reply
  reply="$(timeout 5 "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" config get "${key}" 2>/dev/null || true)"
  if [[ "$(sed -n 1p <<< "${reply}")" == "${key}" ]]; then
    local got
    got="$(sed -n 2p <<< "${reply}")"
    [[ "${got}" == "${want}" ]] || die "${name} reports ${key} '${got}', expected '${want}'"
  fi
}

cli() { timeout 10 "${REDIS_CLI}" -h 127.0.0.1 -p "${port}" "$@"; }

# metric <file> <id>: the value of <id> in a probe's output.
metric() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# ratio <a> <b>: a/b to two decimals, "-" when b is not positive.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# For benches that record "<kind> <metric> <value>" lines in ${results}:
# med <kind> <metric>, the median over the rounds; ratio_rows <label width>
# <metric>..., a header and one row per metric: cairn, redis, cairn/redis.
med() { awk -v k="$1" -v m="$2" '$1 == k && $2 == m { print $3 }' "${results}" | median_of; }
ratio_rows() {
  local width="$1" m c r
  shift
  printf "%-${width}s %14s %14s %12s\n" measure cairn redis cairn/redis
  for m in "$@"; do
    c="$(med cairn "${m}")"; r="$(med redis "${m}")"
    printf "%-${width}s %14s %14s %12s\n" "${m}" "${c}" "${r}" "$(ratio "${c}" "${r}")"
  done
}

# stable_copy <src> <dst>: waits (up to BINARY_WAIT s, default 120) until <src> is an
# executable that has not changed for 2 s (others may be relinking it),
# then copies it, so every round runs the same build.
stable_copy() {
  local src="$1" dst="$2" i a b
  for ((i = 0; i < ${BINARY_WAIT:-120}; i += 2)); do
    if [[ -x "${src}" ]]; then
      a="$(stat -c '%Y %s' "${src}" 2>/dev/null || true)"
      sleep 2
      b="$(stat -c '%Y %s' "${src}" 2>/dev/null || true)"
      if [[ -n "${a}" && "${a}" == "${b}" ]] && cp "${src}" "${dst}" 2>/dev/null &&
         "${dst}" --version > /dev/null 2>&1; then
        return 0
      fi
    else
      sleep 2
    fi
  done
  die "no stable executable at ${src} within ${BINARY_WAIT:-120}s (build first, or set CAIRN_SERVER)"
}

# For benches with a replica beside the server: replica_pid (its pid, or
# ""), stop_replica (SIGCONT in case it was stopped, then SIGKILL, and
# wait), and the traps that stop it and clean up on exit.
replica_pid=""
stop_replica() {
  [[ -n "${replica_pid}" ]] || return 0
  kill -CONT "${replica_pid}" 2>/dev/null || true
  kill -KILL "${replica_pid}" 2>/dev/null || true
  wait "${replica_pid}" 2>/dev/null || true
  replica_pid=""
}
replica_traps() {
  trap 'rc=$?; stop_replica; set +e; (exit "$rc"); bench_cleanup' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# info_field <port> <section> <field>: one INFO field of 127.0.0.1:<port>.
info_field() {
  timeout 5 "${REDIS_CLI}" -h 127.0.0.1 -p "$1" info "$2" 2>/dev/null |
    tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2 }'
}
