#!/usr/bin/env bash
# Runs every test: installs what the tests need and is missing, checks formatting, runs dotnet test
# (the server tests twice: on SQLite and on a private PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")"

# Real clients and peers the tests drive, from Debian's packages, installed only when missing.
missing=()
command -v skopeo >/dev/null || missing+=(skopeo)
command -v podman >/dev/null || missing+=(podman)
command -v docker-registry >/dev/null || missing+=(docker-registry)
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
[ -n "$(pg_bin)" ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test.sh: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
dotnet build Berth.sln -c Release --nologo -v quiet
dotnet format Berth.sln --verify-no-changes --no-restore

log=$(mktemp)
pg_dir=$(mktemp -d /tmp/berth-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$pg_dir"   # initdb refuses to run as root; Debian's package made this user
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  [ -f "$pg_dir/data/postmaster.pid" ] && "${as_pg[@]}" "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$pg_dir" "$log"
}
trap cleanup EXIT

# A private PostgreSQL on a free loopback port, without durability (the tests' databases are thrown away).
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$(pg_bin)/initdb" -D "$pg_dir/data" -U berth --auth=trust --locale=C -E UTF8 >/dev/null
"${as_pg[@]}" "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
export BERTH_TEST_POSTGRES="postgres://berth@127.0.0.1:$pg_port/postgres"

status=0
dotnet test Berth.sln -c Release --no-build --nologo 2>&1 | tee "$log" || status=$?
# The server tests again, each server on its own PostgreSQL database.
BERTH_TEST_DATABASE=postgres dotnet test tests/Berth.Tests -c Release --no-build --nologo 2>&1 | tee -a "$log" || status=$?

# One closing line for whoever reads this run: the sum over every test project.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
