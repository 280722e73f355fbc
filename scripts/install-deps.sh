#!/usr/bin/env bash
# Installs every Debian package Cairn builds, tests and benchmarks with.
# Idempotent and fast when everything is present: apt is only touched when a
# package is missing. The one place dependencies are named (see README.md).
set -euo pipefail

PACKAGES=(
  g++ cmake make pkg-config       # toolchain
  liburing-dev                    # io_uring for the log writer
  librocksdb-dev                  # cold tier
  libxxhash-dev                   # XXH3 batch checksums
  liblzf-dev                      # RDB string compression
  liblua5.1-0-dev                 # scripting
  lua-cjson-dev lua-bitop-dev     # cjson and bit for scripts, as Redis bundles them
  libjemalloc-dev                 # the allocator (Redis's): per-thread caches, so
                                  # the lazy-free thread never starves the engine
  libssl-dev                      # OpenSSL: TLS (tls-port), SHA-256 of ACL passwords
  openssl                         # tls_test makes its certificates with it
  libgtest-dev libgmock-dev       # unit tests
  libhiredis-dev                  # integration-test client
  python3 python3-redis           # client-library test and compat harness
  redis-server redis-tools        # the oracle: redis-server/cli/benchmark 7.0
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's redis-server package starts a system service on 6379 where systemd
# runs; Cairn's `make run` wants that port, and tests start their own servers.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl stop redis-server || true
  $SUDO systemctl disable redis-server >/dev/null 2>&1 || true
fi
