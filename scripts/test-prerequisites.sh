#!/usr/bin/env bash
# What `npm test` needs beyond node_modules, run before it (`pretest`) and by CI: the local PostgreSQL server
# answering (started when it is installed but down; the PostgreSQL tests fail, never skip, without it) and Debian's
# Chromium for the dashboard's browser test (installed when missing; the test fails without it).
set -uo pipefail
if command -v pg_isready >/dev/null 2>&1 &&
  ! pg_isready -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" >/dev/null 2>&1; then
  echo "PostgreSQL is not answering; trying to start the local cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Chromium is missing; installing Debian's chromium package for the dashboard's browser test" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium ||
    echo "Could not install chromium (install Debian's chromium package, or set CHROMIUM_PATH)" >&2
fi
exit 0
