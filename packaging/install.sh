#!/usr/bin/env bash
# `make install`: installs cairn-server, cairn and cairn-check, a commented
# cairn.conf (every option at Cairn's default, plus the paths a service
# needs), and the systemd unit cairn-server.service.
#
#   packaging/install.sh BUILD_DIR PREFIX [DESTDIR]
#
# PREFIX /usr puts the configuration in /etc and the unit in
# /lib/systemd/system; any other prefix keeps them under it. An existing
# cairn.conf is never overwritten (the new one goes beside it as
# cairn.conf.new). Without DESTDIR, run as root, it also creates the system
# user `cairn` that the unit runs as, if missing.
set -euo pipefail

build_dir="${1:?usage: install.sh BUILD_DIR PREFIX [DESTDIR]}"
prefix="${2:?usage: install.sh BUILD_DIR PREFIX [DESTDIR]}"
destdir="${3:-}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${prefix}" == /usr ]]; then
  sysconfdir=/etc
  unitdir=/lib/systemd/system
else
  sysconfdir="${prefix}/etc"
  unitdir="${prefix}/lib/systemd/system"
fi
bindir="${prefix}/bin"

for bin in cairn-server cairn cairn-check; do
  [[ -x "${build_dir}/bin/${bin}" ]] || { echo "install.sh: build first: ${build_dir}/bin/${bin}" >&2; exit 1; }
done

install -d "${destdir}${bindir}" "${destdir}${sysconfdir}/cairn" "${destdir}${unitdir}"
install -m 0755 "${build_dir}/bin/cairn-server" "${build_dir}/bin/cairn" "${build_dir}/bin/cairn-check" "${destdir}${bindir}/"

if [[ -z "${destdir}" && "$(id -u)" -eq 0 ]] && ! id cairn >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/cairn --no-create-home --shell /usr/sbin/nologin cairn
fi

conf="${destdir}${sysconfdir}/cairn/cairn.conf"
target="${conf}"
[[ -e "${conf}" ]] && target="${conf}.new"
{
  cat "${src}/cairn.conf"
  cat <<CONF

################################## INSTALLED ##################################

# Set by \`make install\` for the systemd unit (cairn-server.service), which
# creates these directories. Change them here.
dir /var/lib/cairn
pidfile /run/cairn/cairn-server.pid
logfile /var/log/cairn/cairn-server.log
CONF
} > "${target}"
chmod 0640 "${target}"
# The service runs as cairn: it must read its configuration.
if getent group cairn >/dev/null 2>&1; then
  chgrp cairn "${target}" || true
elif [[ -n "${destdir}" ]]; then
  echo "install.sh: note: chgrp cairn ${sysconfdir}/cairn/cairn.conf once the cairn user exists" >&2
fi

sed -e "s|@BINDIR@|${bindir}|g" -e "s|@SYSCONFDIR@|${sysconfdir}|g" \
  "${src}/packaging/cairn-server.service.in" > "${destdir}${unitdir}/cairn-server.service"
chmod 0644 "${destdir}${unitdir}/cairn-server.service"

if [[ -z "${destdir}" && "$(id -u)" -eq 0 ]]; then
  # What the unit creates too (StateDirectory, LogsDirectory), for a server
  # started by hand with the installed configuration.
  install -d -o cairn -g cairn -m 0750 /var/lib/cairn /var/log/cairn
fi
echo "installed: ${destdir}${bindir}/cairn-server, ${destdir}${bindir}/cairn, ${destdir}${bindir}/cairn-check, ${target}, ${destdir}${unitdir}/cairn-server.service"
