#!/usr/bin/env bash
# Make sure what the test suite talks to is there: PostgreSQL on 127.0.0.1:5432
# (trust auth, database `test`) and Debian's chromium. Idempotent; safe to run on every
# `make test`. Needs root (apt-get, pg_ctlcluster) on a machine where something is missing.
#
# The paths and the address can be overridden (tests/scripts/test_ensure_services.py runs
# this script in a sandbox that way); the defaults are the real machine's:
#   NEWSTRACE_PG_HOST=127.0.0.1  NEWSTRACE_PG_PORT=5432
#   NEWSTRACE_PG_CONF=/etc/postgresql   (Debian's clusters: $NEWSTRACE_PG_CONF/<version>/main)
#   NEWSTRACE_PG_WAIT=30                (seconds to wait for the server to come up)
#   NEWSTRACE_CHROMIUM=/usr/bin/chromium
set -euo pipefail

PG_HOST="${NEWSTRACE_PG_HOST:-127.0.0.1}"
PG_PORT="${NEWSTRACE_PG_PORT:-5432}"
PG_CONF="${NEWSTRACE_PG_CONF:-/etc/postgresql}"
PG_WAIT="${NEWSTRACE_PG_WAIT:-30}"
CHROMIUM="${NEWSTRACE_CHROMIUM:-/usr/bin/chromium}"

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }

# The Debian clusters' versions: the <version> of each $PG_CONF/<version>/main.
pg_versions() {
  local dir
  for dir in "$PG_CONF"/*/main; do
    [ -d "$dir" ] || continue
    dir="${dir%/main}"
    echo "${dir##*/}"
  done
}

# Debian's default pg_hba.conf asks for a password (scram-sha-256) on 127.0.0.1 and ::1;
# the suite connects as `postgres` without one. Put trust lines first (first match wins).
trust_local_tcp() {
  local hba="$1" line lines=()
  for line in "host    all             all             127.0.0.1/32            trust" \
              "host    all             all             ::1/128                 trust"; do
    grep -qxF "$line" "$hba" || lines+=("$line")
  done
  [ "${#lines[@]}" -gt 0 ] || return 0
  echo "trusting local TCP connections in $hba" >&2
  # rewrite in place (cat >) so the file keeps its owner (postgres) and mode
  { printf '%s\n' "# added by newstrace scripts/ensure-services.sh: the tests connect" \
                  "# as postgres without a password" "${lines[@]}"
    cat "$hba"; } >"$hba.newstrace-tmp"
  cat "$hba.newstrace-tmp" >"$hba"
  rm -f "$hba.newstrace-tmp"
}

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL is not installed; installing it from Debian's packages" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  for version in $(pg_versions); do
    trust_local_tcp "$PG_CONF/$version/main/pg_hba.conf"
    # the package may have started the cluster already: make it read the new pg_hba.conf
    if pg_up; then
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
    fi
  done
fi
if ! pg_up; then
  echo "starting PostgreSQL" >&2
  for version in $(pg_versions); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 "$PG_WAIT"); do pg_up && break; sleep 1; done
fi
pg_up || {
  # shellcheck disable=SC2046  # the versions, one word each
  echo "PostgreSQL did not come up on $PG_HOST:$PG_PORT within ${PG_WAIT}s;" \
       "clusters under $PG_CONF:" $(pg_versions) "(see /var/log/postgresql/)" >&2
  exit 1
}
psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" \
  | grep -q 1 \
  || psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -c "CREATE DATABASE test" >/dev/null

# Headless Chromium for the browser tests (Debian package; Playwright cannot download; the
# tests launch it through Playwright's executable_path). The package pulls in the libraries
# it needs; fonts-liberation is only a Recommends of chromium-common, so name it: without
# any font the pages render no text.
if [ ! -x "$CHROMIUM" ]; then
  echo "installing chromium from Debian's packages" >&2
  apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
fi
