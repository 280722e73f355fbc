#!/usr/bin/env bash
# What TLS costs: SET and GET throughput over tls-port and over the plain
# port, for cairn-server and for redis-server 7.0.15 (Debian builds it with
# TLS), in one run (issue 12). Each server gets both ports; redis-benchmark
# --tls (with a client certificate: tls-auth-clients yes) and without. The
# servers take turns, the order swapping every round; a fresh server and
# temp dir per benchmark, persistence off, 127.0.0.1 only. Certificates are
# made for the run with the openssl command. See bench/README.md.
#
# Environment (all optional): CAIRN_SERVER, REDIS_SERVER, REDIS_BENCHMARK,
# REDIS_CLI, BENCH_TIMEOUT, CAIRN_EXTRA_ARGS as in compare.sh, and
#   ROUNDS     rounds per server      (default 3)
#   REQUESTS   requests per test (-n) (default 100000)
#   CLIENTS    connections (-c)       (default 50)
#   PIPELINES  pipeline depths (-P)   (default "1 16")
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-100000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
CAIRN_EXTRA_ARGS="${CAIRN_EXTRA_ARGS:-}"
TESTS=(SET GET)

# shellcheck source=bench/lib.sh
source "${script_dir}/lib.sh"

need_servers
need_tools "${REDIS_BENCHMARK}" "${REDIS_CLI}" "${PYTHON}" timeout openssl
need_posint ROUNDS
need_posint REQUESTS

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
results="${work}/results"   # lines: <server> <transport> <test> <pipeline> <ops/s>
: > "${results}"
bench_install_traps

pki="${work}/pki"
mkdir -p "${pki}"
(
  cd "${pki}"
  openssl req -x509 -new -nodes -newkey rsa:2048 -keyout ca.key -out ca.crt -days 2 \
    -subj /CN=bench-ca
  for name in server client; do
    openssl req -new -nodes -newkey rsa:2048 -keyout "${name}.key" -out "${name}.csr" \
      -subj "/CN=${name}"
    openssl x509 -req -in "${name}.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out "${name}.crt" -days 2
  done
) > "${work}/pki.log" 2>&1 || { cat "${work}/pki.log" >&2; die "openssl could not make certificates"; }

tls_port=""
start_server() {  # start_server <cairn|redis> <dir>
  local name="$1" dir="$2"
  mkdir -p "${dir}"
  port="$(free_port)"
  tls_port="$(free_port)"
  local -a cmd
  server_cmd "${name}" "${dir}"
  cmd+=(--tls-port "${tls_port}" --tls-cert-file "${pki}/server.crt"
        --tls-key-file "${pki}/server.key" --tls-ca-cert-file "${pki}/ca.crt")
  launch_server "${name}" "${dir}" "${cmd[@]}"
}

bench_one() {  # bench_one <cairn|redis> <round>
  local name="$1" round="$2" pipeline transport out test rps
  for pipeline in ${PIPELINES}; do
    for transport in plain tls; do
      local dir="${work}/${name}-r${round}-p${pipeline}-${transport}"
      start_server "${name}" "${dir}"
      local -a via=(-p "${port}")
      [[ "${transport}" == tls ]] &&
        via=(-p "${tls_port}" --tls --cacert "${pki}/ca.crt" --cert "${pki}/client.crt"
             --key "${pki}/client.key")
      out="${dir}/bench.csv"
      # (run_benchmark's own -p is overridden by the later one.)
      run_benchmark "${dir}" "${out}" "${name} (round ${round}, -P ${pipeline}, ${transport})" \
        "${via[@]}" -q --csv -t set,get -c "${CLIENTS}" -n "${REQUESTS}" -r 100000 \
        -P "${pipeline}"
      stop_server
      for test in "${TESTS[@]}"; do
        rps="$(csv_rps "${out}" "${test}")"
        [[ "${rps}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { cat "${out}" >&2; die "no ${test} result from ${name}"; }
        echo "${name} ${transport} ${test} ${pipeline} ${rps}" >> "${results}"
        printf '  round %d  %-5s %-5s %-3s -P %-3s %12.0f ops/s\n' \
          "${round}" "${name}" "${transport}" "${test}" "${pipeline}" "${rps}" >&2
      done
    done
  done
}

echo "rounds=${ROUNDS} requests=${REQUESTS} clients=${CLIENTS} pipelines='${PIPELINES}'" >&2
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then order=(cairn redis); else order=(redis cairn); fi
  for name in "${order[@]}"; do bench_one "${name}" "${round}"; done
done

median() {  # median <server> <transport> <test> <pipeline>
  awk -v s="$1" -v x="$2" -v t="$3" -v p="$4" \
    '$1 == s && $2 == x && $3 == t && $4 == p { print $5 }' "${results}" | median_of
}

echo
printf '%-5s %3s %12s %12s %12s %12s %11s %11s %11s\n' test -P "cairn plain" "cairn tls" \
  "redis plain" "redis tls" "tls c/r" "cairn t/p" "redis t/p"
for test in "${TESTS[@]}"; do
  for pipeline in ${PIPELINES}; do
    cp="$(median cairn plain "${test}" "${pipeline}")"
    ct="$(median cairn tls "${test}" "${pipeline}")"
    rp="$(median redis plain "${test}" "${pipeline}")"
    rt="$(median redis tls "${test}" "${pipeline}")"
    printf '%-5s %3s %12.0f %12.0f %12.0f %12.0f %11s %11s %11s\n' "${test}" "${pipeline}" \
      "${cp}" "${ct}" "${rp}" "${rt}" "$(ratio "${ct}" "${rt}")" "$(ratio "${ct}" "${cp}")" \
      "$(ratio "${rt}" "${rp}")"
  done
done
echo "(medians of ${ROUNDS} rounds, ops/s; tls c/r: cairn/redis over TLS; t/p: each server's TLS/plain)"
