#!/usr/bin/env bash
# Runs every test: installs what the tests need and is missing, checks formatting, runs dotnet test
# (the server tests twice: on SQLite and on a private PostgreSQL; blobs in S3 where a test asks for the S3 server).
set -euo pipefail
cd "$(dirname "$0")"

# Real clients and peers the tests drive, from Debian's packages, installed only when missing.
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v skopeo >/dev/null || missing+=(skopeo)
command -v podman >/dev/null || missing+=(podman)
command -v docker-registry >/dev/null || missing+=(docker-registry)
# The load balancer in front of the HA test's replicas; Debian puts it in /usr/sbin, which a user's PATH may lack.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v npm >/dev/null || missing+=(nodejs npm)
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
[ -n "$(pg_bin)" ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
dotnet build Berth.sln -c Release --nologo -v quiet
dotnet format Berth.sln --verify-no-changes --no-restore

# The S3 driver's tests run against s3rver, an S3 server from npm, installed (and patched) by tools/s3rver/install.sh.
tools/s3rver/install.sh
s3rver=tools/s3rver/node_modules/.bin/s3rver

log=$(mktemp)
pg_dir=$(mktemp -d /tmp/berth-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$pg_dir"   # initdb refuses to run as root; Debian's package made this user
  as_pg=(runuser -u postgres --)
fi
s3_dir=$(mktemp -d)
s3_pid=""
cleanup() {
  [ -f "$pg_dir/data/postmaster.pid" ] && "${as_pg[@]}" "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
  if [ -n "$s3_pid" ]; then
    kill "$s3_pid" 2>/dev/null || true
    wait "$s3_pid" 2>/dev/null || true
  fi
  rm -rf "$pg_dir" "$s3_dir" "$log"
}
trap cleanup EXIT

# A private PostgreSQL on a free loopback port, without durability (the tests' databases are thrown away).
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$(pg_bin)/initdb" -D "$pg_dir/data" -U berth --auth=trust --locale=C -E UTF8 >/dev/null
"${as_pg[@]}" "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
export BERTH_TEST_POSTGRES="postgres://berth@127.0.0.1:$pg_port/postgres"

# s3rver on a free loopback port, for this run only; the tests find it through BERTH_TEST_S3_ENDPOINT.
s3_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$s3rver" -d "$s3_dir" -a 127.0.0.1 -p "$s3_port" --silent --configure-bucket berth-test >/dev/null &
s3_pid=$!
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break
  kill -0 "$s3_pid" 2>/dev/null || { echo "test.sh: s3rver exited at start" >&2; exit 1; }
  sleep 0.2
done
(exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null || { echo "test.sh: s3rver is not listening on $s3_port" >&2; exit 1; }
export BERTH_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port" BERTH_TEST_S3_BUCKET=berth-test
# The tests choose their S3 credentials themselves; the caller's must not leak in.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE

# The server tests on SQLite beside the small unit suites, then the server tests again (each server on its own PostgreSQL
# database), then the end-to-end tests (real clients, processes, the HA cluster, a PostgreSQL restart) alone: side by
# side on two cores they took as long in all, and the end-to-end tests, whose timings matter, ran starved.
status=0
run() { dotnet test "$@" -c Release --no-build --nologo 2>&1 | tee -a "$log"; }
units() { local s=0; run tests/Berth.Oci.Tests || s=$?; run tests/Berth.Storage.Tests || s=$?; return $s; }
units & units_pid=$!
run tests/Berth.Tests || status=$?
wait "$units_pid" || status=$?
BERTH_TEST_DATABASE=postgres run tests/Berth.Tests || status=$?
run tests/Berth.EndToEnd || status=$?
# GC under fire once more on PostgreSQL, where GC's statements and pushes interleave (on SQLite writers take turns).
BERTH_TEST_DATABASE=postgres run tests/Berth.EndToEnd --filter "FullyQualifiedName~GcUnderFireTests" || status=$?

# One closing line for whoever reads this run: the sum over every test project.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
