#!/usr/bin/env bash
# Install Debian's pgbouncer package for the reliability suite, which runs the app through a private
# PgBouncer in transaction pooling mode (tests/support/pgbouncer.ts starts one per run, on its own port with
# its own config). Idempotent: does nothing when /usr/sbin/pgbouncer exists.
#
# Only the binary is wanted. Where services start on install (systemd, or a policy-rc.d that allows it),
# the package starts Debian's own instance on port 6432 with /etc/pgbouncer/pgbouncer.ini; it is stopped
# and disabled here, so nothing but the harness's instances ever runs.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ -x /usr/sbin/pgbouncer ]; then
  exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "[install-pgbouncer] installing Debian's pgbouncer for the reliability suite"
$SUDO apt-get install -y -q --no-install-recommends pgbouncer \
  || { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends pgbouncer; }

# `systemctl disable` edits the unit links even where systemd is not running (containers).
$SUDO systemctl disable pgbouncer.service >/dev/null 2>&1 || true
$SUDO update-rc.d pgbouncer disable >/dev/null 2>&1 || true
if [ -d /run/systemd/system ]; then
  $SUDO systemctl stop pgbouncer.service >/dev/null 2>&1 || true
else
  $SUDO service pgbouncer stop >/dev/null 2>&1 || true
fi
# Whatever still runs from Debian's config (its pidfile, as /etc/pgbouncer/pgbouncer.ini names it).
pidfile=/var/run/postgresql/pgbouncer.pid
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  $SUDO kill -TERM "$(cat "$pidfile")"
fi
/usr/sbin/pgbouncer --version | head -n 1
