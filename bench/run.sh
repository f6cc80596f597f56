#!/usr/bin/env bash
# Berth vs CNCF Distribution 2.8 on one machine, same inputs, one run: see bench/README.md.
#
#   bench/run.sh                                   # full run (about 3-4 minutes on 2 cores, plus the build)
#   BLOB_MB=64 IMAGES=10 DURATION=3 bench/run.sh   # quick check (about 1 minute plus the build)
#   STORAGE=s3 bench/run.sh                        # the same on one S3 server (s3rver): Berth redirecting and proxying
#                                                  # blob pulls, on PostgreSQL, against Distribution's S3 driver
#
# Knobs (environment), defaults in brackets:
#   BLOB_MB [1024]  SMALL_MB [BLOB_MB/16]  IMAGES [50]  WARMUP_IMAGES [40]  IMAGE_ROUNDS [2]  CLIENTS [4]
#   DURATION [10] (seconds per manifest measurement)  CONNECTIONS ["16 64"]  PUSH_RUNS [2]  PULL_RUNS [3]  LIMIT_RUNS [2]
#   STORAGE [fs] (s3: see bench/README.md)  TMP_ROOT [/var/tmp] (must be a real disk, not tmpfs)  SKIP_BUILD [0]  BERTH_BIN (a Berth binary built elsewhere;
#   implies SKIP_BUILD=1)  KEEP [0] (1 keeps the work directory, with the servers' logs)  OUT (also write the report here)
set -euo pipefail
shopt -s inherit_errexit

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

BLOB_MB=${BLOB_MB:-1024}
SMALL_MB=${SMALL_MB:-$((BLOB_MB >= 32 ? BLOB_MB / 16 : 2))}
IMAGES=${IMAGES:-50}
WARMUP_IMAGES=${WARMUP_IMAGES:-40}
IMAGE_ROUNDS=${IMAGE_ROUNDS:-2}
CLIENTS=${CLIENTS:-4}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16 64}
PUSH_RUNS=${PUSH_RUNS:-2}
PULL_RUNS=${PULL_RUNS:-3}
LIMIT_RUNS=${LIMIT_RUNS:-2}
TMP_ROOT=${TMP_ROOT:-/var/tmp}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP=${KEEP:-0}
OUT=${OUT:-}
STORAGE=${STORAGE:-fs}
[[ $STORAGE == fs || $STORAGE == s3 ]] || { echo "STORAGE must be fs or s3, not '$STORAGE'" >&2; exit 2; }

ACCEPT='Accept: application/vnd.oci.image.manifest.v1+json'
# The servers, and the pairs that are compared (Berth:Distribution). On S3 each server has its own bucket on the one
# s3rver: Berth and Distribution as configured by default, blob pulls redirected to presigned URLs, and both again
# with the blobs streamed through the registry (berthproxy, distproxy). Manifest requests do not depend on that, so
# they are measured on the default pair only.
if [[ $STORAGE == s3 ]]; then
    SERVERS=(berth dist berthproxy distproxy)
    PAIRS=(berth:dist berthproxy:distproxy)
else
    SERVERS=(berth dist)
    PAIRS=(berth:dist)
fi
MANIFEST_SERVERS=(berth dist)
is_berth() { [[ $1 == berth* ]]; }

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
now() { date +%s.%N; }
# mibs MIB START END: MiB/s
mibs() { awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", m / (b - a) }'; }
# best A B: the larger
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }
rec() { echo "$1 $2" >>"$RESULTS"; }

# ---------------------------------------------------------------------------------------------------------------
# Tools: install what is missing (Debian), build Berth.
# ---------------------------------------------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install_missing() {
    local missing=() pair sudo=()
    for pair in docker-registry:docker-registry skopeo:skopeo nginx:nginx-light wrk:wrk openssl:openssl \
        ab:apache2-utils curl:curl python3:python3; do
        have "${pair%%:*}" || missing+=("${pair#*:}")
    done
    if [[ $STORAGE == s3 ]]; then
        have npm || missing+=(nodejs npm)
        [[ -n $(pg_bin) ]] || missing+=(postgresql)
    fi
    ((${#missing[@]})) || return 0
    [[ $EUID -eq 0 ]] || sudo=(sudo)
    log "installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    # nginx-light is gone from newer Debian releases: plain nginx does the same here.
    if [[ " ${missing[*]} " == *" nginx-light "* ]] && ! apt-cache show nginx-light >/dev/null 2>&1; then
        missing=("${missing[@]/nginx-light/nginx}")
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_missing
command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK (dotnet) is needed to build Berth"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [[ -n ${BERTH_BIN:-} ]]; then
    SKIP_BUILD=1 # a binary built elsewhere (for example from a clean export of a commit)
else
    BERTH_BIN=$REPO/src/Berth/bin/Release/net10.0/berth
fi
if [[ $SKIP_BUILD != 1 ]]; then
    log "building Berth (Release)"
    (cd "$REPO" && dotnet build -c Release src/Berth -nologo -v q -clp:ErrorsOnly) >&2 || die "the build failed"
fi
[[ -x $BERTH_BIN ]] || die "no Berth binary at $BERTH_BIN"
if [[ $STORAGE == s3 ]]; then
    "$REPO/tools/s3rver/install.sh" || die "could not install s3rver"
fi

# ---------------------------------------------------------------------------------------------------------------
# Work directory, cleanup.
# ---------------------------------------------------------------------------------------------------------------
mkdir -p "$TMP_ROOT"
WORK=$(mktemp -d "$TMP_ROOT/berth-bench.XXXXXX")
chmod 755 "$WORK" # nginx's worker may run as another user
RESULTS=$WORK/results
: >"$RESULTS"
PIDS=()
PG_DATA= # set once the private PostgreSQL (STORAGE=s3) is initialised
AS_PG=() # how to run PostgreSQL's programs: as the postgres user when this script runs as root (initdb refuses root)
[[ $EUID -ne 0 ]] || AS_PG=(runuser -u postgres --)

cleanup() {
    local rc=$? pid
    set +e
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]] && "${AS_PG[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_pid() {
    local pid=$1 keep=() p
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready NAME PID URL: until URL answers 2xx, or the process dies.
wait_ready() {
    for _ in $(seq 300); do
        if ! kill -0 "$2" 2>/dev/null; then
            tail -20 "$WORK/$1.log" >&2 || true
            die "$1 exited during startup"
        fi
        curl -fsS -o /dev/null "$3" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$1 did not answer $3 within 30 s"
}

START_DATE=$(date -u)
# Berth needs credentials (Distribution runs without auth, as its package ships): clients authenticate as real ones
# do, skopeo with --creds (it fetches a bearer token), curl with Basic, wrk and ab with a bearer token from
# /service/token.
BERTH_PASSWORD=$(openssl rand -hex 16)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "work directory $WORK"

# ---------------------------------------------------------------------------------------------------------------
# Inputs: one random blob, a smaller one (memory check), an OCI layout of IMAGES images.
# ---------------------------------------------------------------------------------------------------------------
BLOB=$WORK/blob.bin
SMALL=$WORK/small.bin
LAYOUT=$WORK/images
log "writing a ${BLOB_MB} MiB and a ${SMALL_MB} MiB random blob"
head -c $((BLOB_MB * 1024 * 1024)) /dev/urandom >"$BLOB"
head -c $((SMALL_MB * 1024 * 1024)) /dev/urandom >"$SMALL"
chmod 644 "$BLOB" "$SMALL"
BLOB_SIZE=$(stat -c %s "$BLOB")
SMALL_SIZE=$(stat -c %s "$SMALL")
SMALL_DIGEST=sha256:$(openssl dgst -sha256 -r "$SMALL" | cut -d' ' -f1)
log "writing $IMAGES images: $(python3 "$BENCH_DIR/make_images.py" "$LAYOUT" "$IMAGES")"
python3 "$BENCH_DIR/make_images.py" "$WORK/warmup" "$WARMUP_IMAGES" 7 >/dev/null
MANIFEST0_DIGEST=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' \
    "$LAYOUT/index.json")

rec blob_mb "$BLOB_MB"
rec small_mb "$SMALL_MB"
rec images "$IMAGES"
rec clients "$CLIENTS"
rec warmup_images "$WARMUP_IMAGES"
rec connections "$CONNECTIONS"
rec storage "$STORAGE"
rec pairs "${PAIRS[*]}"

# ---------------------------------------------------------------------------------------------------------------
# Physical limits, with no registry running: hashing, durable writes, loopback transfer.
# ---------------------------------------------------------------------------------------------------------------
cat "$BLOB" >/dev/null # into the page cache, as it is for the pushes
hash_best=0
for _ in $(seq "$LIMIT_RUNS"); do
    t0=$(now)
    BLOB_HEX=$(openssl dgst -sha256 -r "$BLOB" | cut -d' ' -f1)
    t1=$(now)
    hash_best=$(best "$hash_best" "$(mibs "$BLOB_MB" "$t0" "$t1")")
done
BLOB_DIGEST=sha256:$BLOB_HEX
log "SHA-256 (openssl dgst): $hash_best MiB/s"
rec limit_hash_mibs "$hash_best"

# The other limits: on the filesystem, durable writes and a loopback transfer; on S3, the S3 server's own speed.
if [[ $STORAGE == fs ]]; then
    dd_best=0
    for _ in $(seq "$LIMIT_RUNS"); do
        sync
        t0=$(now)
        dd if="$BLOB" of="$WORK/dd.tmp" bs=1M conv=fsync status=none
        t1=$(now)
        rm -f "$WORK/dd.tmp"
        dd_best=$(best "$dd_best" "$(mibs "$BLOB_MB" "$t0" "$t1")")
    done
    sync
    log "durable writes (dd conv=fsync): $dd_best MiB/s"
    rec limit_dd_mibs "$dd_best"

    NGINX_PORT=$(free_port)
    mkdir -p "$WORK/nginx/www" "$WORK/nginx/tmp"
    echo ok >"$WORK/nginx/www/ping.txt"
    ln "$BLOB" "$WORK/nginx/www/blob.bin" 2>/dev/null || ln -s "$BLOB" "$WORK/nginx/www/blob.bin"
    {
        echo "worker_processes 1;"
        echo "pid nginx.pid;"
        echo "events { worker_connections 64; }"
        echo "http {"
        echo "  access_log off; sendfile on; tcp_nopush on; default_type application/octet-stream;"
        echo "  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;"
        for module in fastcgi uwsgi scgi; do
            "$NGINX" -V 2>&1 | grep -q "without-http_${module}_module" || echo "  ${module}_temp_path tmp/$module;"
        done
        echo "  server { listen 127.0.0.1:$NGINX_PORT; root www; }"
        echo "}"
    } >"$WORK/nginx/nginx.conf"
    "$NGINX" -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off;' \
        >"$WORK/nginx.log" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    wait_ready nginx "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT/ping.txt"
    net_best=0
    for _ in $(seq "$PULL_RUNS"); do
        read -r size secs < <(curl -fsS -o /dev/null -w '%{size_download} %{time_total}\n' "http://127.0.0.1:$NGINX_PORT/blob.bin")
        [[ $size == "$BLOB_SIZE" ]] || die "nginx sent $size bytes, not $BLOB_SIZE"
        net_best=$(best "$net_best" "$(mibs "$BLOB_MB" 0 "$secs")")
    done
    stop_pid "$NGINX_PID"
    log "loopback (nginx -> curl): $net_best MiB/s"
    rec limit_net_mibs "$net_best"
else
    # One s3rver for everything, each registry in its own bucket. bench/s3rver.js adds the multipart operations
    # Distribution's S3 driver needs and s3rver lacks. Servers and clients must not pick up the caller's AWS settings
    # (AWS_CA_BUNDLE alone makes Distribution's SDK refuse to start).
    S3_PORT=$(free_port)
    mkdir -p "$WORK/s3"
    (
        while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^AWS_' || true)
        exec node "$BENCH_DIR/s3rver.js" "$WORK/s3" "$S3_PORT" limit "${SERVERS[@]}"
    ) >"$WORK/s3rver.log" 2>&1 &
    S3_PID=$!
    PIDS+=("$S3_PID")
    for _ in $(seq 150); do
        grep -q '^s3rver listening' "$WORK/s3rver.log" && break
        kill -0 "$S3_PID" 2>/dev/null || { cat "$WORK/s3rver.log" >&2; die "s3rver exited during startup"; }
        sleep 0.2
    done
    grep -q '^s3rver listening' "$WORK/s3rver.log" || die "s3rver did not start within 30 s"
    S3_ENDPOINT=http://127.0.0.1:$S3_PORT
    log "s3rver on $S3_PORT (pid $S3_PID)"

    # The S3 server's own speed: curl PUTs the blob into it and GETs it back (SigV4, no registry in between).
    S3_CURL=(curl -sS --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
    s3_put_best=0 s3_get_best=0
    for _ in $(seq "$LIMIT_RUNS"); do
        read -r code secs < <("${S3_CURL[@]}" -o /dev/null -w '%{http_code} %{time_total}\n' -T "$BLOB" -H 'Expect:' \
            "$S3_ENDPOINT/limit/blob")
        [[ $code == 200 ]] || die "s3rver: PUT of the blob answered $code"
        s3_put_best=$(best "$s3_put_best" "$(mibs "$BLOB_MB" 0 "$secs")")
    done
    for _ in $(seq "$PULL_RUNS"); do
        read -r code size secs < <("${S3_CURL[@]}" -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
            "$S3_ENDPOINT/limit/blob")
        [[ $code == 200 && $size == "$BLOB_SIZE" ]] || die "s3rver: GET of the blob answered $code with $size bytes"
        s3_get_best=$(best "$s3_get_best" "$(mibs "$BLOB_MB" 0 "$secs")")
    done
    "${S3_CURL[@]}" -o /dev/null -X DELETE "$S3_ENDPOINT/limit/blob"
    log "s3rver direct (curl): PUT $s3_put_best MiB/s, GET $s3_get_best MiB/s"
    rec limit_s3_put_mibs "$s3_put_best"
    rec limit_s3_get_mibs "$s3_get_best"
fi

# ---------------------------------------------------------------------------------------------------------------
# The registries, side by side, each on fresh storage. Berth with its authentication, Distribution without.
# ---------------------------------------------------------------------------------------------------------------
declare -A PORT PID
for s in "${SERVERS[@]}"; do
    PORT[$s]=$(free_port)
    for other in "${!PORT[@]}"; do [[ $other == "$s" || ${PORT[$other]} != "${PORT[$s]}" ]] || PORT[$s]=$(free_port); done
done

if [[ $STORAGE == s3 ]]; then
    # Berth's metadata on S3 is in PostgreSQL, as a highly available deployment has it: a private instance on a free
    # loopback port with PostgreSQL's default durability (fsync, synchronous commits), one database per Berth.
    PG_PORT=$(free_port)
    PG_DATA=$WORK/pg/data
    mkdir -p "$WORK/pg"
    [[ $EUID -ne 0 ]] || chown postgres "$WORK/pg"
    "${AS_PG[@]}" "$(pg_bin)/initdb" -D "$PG_DATA" -U berth --auth=trust --locale=C -E UTF8 >"$WORK/pg/initdb.log" 2>&1 ||
        die "initdb failed: $(tail -3 "$WORK/pg/initdb.log")"
    "${AS_PG[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/log" -w -o "-p $PG_PORT -k $WORK/pg \
        -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null || die "PostgreSQL did not start"
    for s in "${SERVERS[@]}"; do
        is_berth "$s" || continue
        "$(pg_bin)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U berth "$s" || die "could not create database $s"
    done
    log "PostgreSQL $("$(pg_bin)/postgres" --version | awk '{ print $3 }') on $PG_PORT"
fi

# clean_env: each server runs in the work directory with its own settings only: Berth reads ./berth.json and BERTH__*
# variables, Distribution REGISTRY_* variables, both AWS_* variables.
clean_env() { while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(BERTH__|REGISTRY_|AWS_)' || true); }

# start_berth SERVER: Berth as it ships, on the filesystem and SQLite in its data directory; on S3, in bucket SERVER
# (prefix registry) and database SERVER, blob pulls redirected to presigned URLs unless SERVER is berthproxy.
start_berth() {
    local s=$1 args=()
    if [[ $STORAGE == s3 ]]; then
        args=(--storage "s3://$s/registry?endpoint=$S3_ENDPOINT&region=us-east-1"
            --database "postgres://berth@127.0.0.1:$PG_PORT/$s")
    fi
    (
        cd "$WORK"
        clean_env
        export BERTH__Admin__Password=$BERTH_PASSWORD
        if [[ $STORAGE == s3 ]]; then
            export BERTH__Storage__S3__AccessKey=S3RVER BERTH__Storage__S3__SecretKey=S3RVER
            [[ $s != berthproxy ]] || export BERTH__Storage__S3__Redirect=false
        fi
        exec "$BERTH_BIN" serve --data-dir "$WORK/$s-data" --listen "127.0.0.1:${PORT[$s]}" "${args[@]}"
    ) >"$WORK/$s.log" 2>&1 &
    PID[$s]=$!
    PIDS+=("${PID[$s]}")
}

# start_dist SERVER: Distribution as its packaged config has it (in-memory blob descriptor cache), without auth, and
# with per-request logging off as Berth has it (Berth logs no request below Warning). On S3, the S3 driver's defaults
# in bucket SERVER (root directory /registry), blob pulls redirected to presigned URLs (Distribution's default) unless
# SERVER is distproxy.
start_dist() {
    local s=$1
    mkdir -p "$WORK/$s-data"
    {
        echo "version: 0.1"
        echo "log: {level: warn, accesslog: {disabled: true}, fields: {service: registry}}"
        echo "storage:"
        echo "  cache: {blobdescriptor: inmemory}"
        echo "  delete: {enabled: true}"
        if [[ $STORAGE == s3 ]]; then
            echo "  s3: {region: us-east-1, regionendpoint: '$S3_ENDPOINT', bucket: $s, accesskey: S3RVER, secretkey: S3RVER,"
            echo "       secure: false, v4auth: true, rootdirectory: /registry}"
            [[ $s != distproxy ]] || echo "  redirect: {disable: true}"
        else
            echo "  filesystem: {rootdirectory: '$WORK/$s-data'}"
        fi
        echo "http:"
        echo "  addr: 127.0.0.1:${PORT[$s]}"
        echo "  secret: berth-bench-only"
        echo "  headers: {X-Content-Type-Options: [nosniff]}"
    } >"$WORK/$s.yml"
    (
        cd "$WORK"
        clean_env
        exec docker-registry serve "$WORK/$s.yml"
    ) >"$WORK/$s.log" 2>&1 &
    PID[$s]=$!
    PIDS+=("${PID[$s]}")
}

for s in "${SERVERS[@]}"; do
    if is_berth "$s"; then start_berth "$s"; else start_dist "$s"; fi
done
for s in "${SERVERS[@]}"; do
    if is_berth "$s"; then
        wait_ready "$s" "${PID[$s]}" "http://127.0.0.1:${PORT[$s]}/api/v2.0/ping"
        # The projects the benchmark pushes into (Berth refuses pushes into projects that do not exist).
        for name in bench warmup; do
            curl -fsS -u "admin:$BERTH_PASSWORD" -H 'Content-Type: application/json' -d "{\"project_name\":\"$name\"}" \
                "http://127.0.0.1:${PORT[$s]}/api/v2.0/projects" || die "$s: could not create project $name"
        done
    else
        wait_ready "$s" "${PID[$s]}" "http://127.0.0.1:${PORT[$s]}/v2/"
    fi
    log "$s on ${PORT[$s]} (pid ${PID[$s]})"
done

# base_url SERVER: where curl reaches it, with Berth's Basic credentials in the URL.
base_url() {
    if is_berth "$1"; then echo "http://admin:$BERTH_PASSWORD@127.0.0.1:${PORT[$1]}"; else echo "http://127.0.0.1:${PORT[$1]}"; fi
}

status_mib() { awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)
for s in "${SERVERS[@]}"; do rec "${s}_rss_start_mib" "$(status_mib "${PID[$s]}" VmRSS)"; done

# push_blob SERVER REPO FILE DIGEST: POST then PUT with the whole body (the same for both); prints seconds.
push_blob() {
    local base headers loc t_post code t_put sep
    base=$(base_url "$1")
    headers=$(curl -sS -D - -o /dev/null -w 'TIME %{time_total}\n' -X POST "$base/v2/$2/blobs/uploads/")
    loc=$(tr -d '\r' <<<"$headers" | awk 'tolower($1) == "location:" { print $2 }')
    t_post=$(awk '$1 == "TIME" { print $2 }' <<<"$headers")
    [[ -n $loc ]] || die "$1: POST /v2/$2/blobs/uploads/ gave no Location"
    [[ $loc == http* ]] || loc=$base$loc
    if [[ $loc == *\?* ]]; then sep='&'; else sep='?'; fi
    read -r code t_put < <(curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -X PUT -T "$3" -H 'Expect:' \
        -H 'Content-Type: application/octet-stream' "$loc${sep}digest=$4")
    [[ $code == 201 ]] || die "$1: PUT of the blob to $2 answered $code"
    awk -v a="$t_post" -v b="$t_put" 'BEGIN { printf "%.4f", a + b }'
}

# pull_blob SERVER REPO DIGEST SIZE: prints seconds, following a redirect to the object store (as clients do; curl
# sends Berth's credentials to the registry only, never to another host or port).
pull_blob() {
    local code size secs
    read -r code size secs < <(curl -sS -L -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
        "$(base_url "$1")/v2/$2/blobs/$3")
    [[ $code == 200 && $size == "$4" ]] || die "$1: GET of blob $3 in $2 answered $code with $size bytes"
    echo "$secs"
}

# mono_push SERVER REPO FILE DIGEST: Berth alone takes a blob in one request (POST ?digest= with the body; Distribution 2.8
# answers such a POST with 202 and drops the body). Prints seconds. --request-target: curl -T would append the name.
mono_push() {
    local code secs
    read -r code secs < <(curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -T "$3" -H 'Expect:' \
        -H 'Content-Type: application/octet-stream' --request-target "/v2/$2/blobs/uploads/?digest=$4" \
        "$(base_url "$1")/v2/$2/blobs/uploads/x")
    [[ $code == 201 ]] || die "$1: monolithic POST to $2 answered $code"
    echo "$secs"
}

# --- memory reference: the same requests as below, with the small blob ------------------------------------------
# So the peak after this phase differs from the peak after the big blob's only by the blob's size.
for s in "${SERVERS[@]}"; do
    for i in $(seq "$PUSH_RUNS"); do push_blob "$s" "bench/small$i" "$SMALL" "$SMALL_DIGEST" >/dev/null; done
    for _ in $(seq "$PULL_RUNS"); do pull_blob "$s" bench/small1 "$SMALL_DIGEST" "$SMALL_SIZE" >/dev/null; done
    if is_berth "$s"; then
        for i in $(seq "$PUSH_RUNS"); do mono_push "$s" "bench/smallmono$i" "$SMALL" "$SMALL_DIGEST" >/dev/null; done
    fi
    rec "${s}_hwm_small_mib" "$(status_mib "${PID[$s]}" VmHWM)"
done

# --- big blob: push (best of PUSH_RUNS, each into its own repository), pull (best of PULL_RUNS) -------------------
# The servers take turns, in the order berth, dist, dist, berth, ..., so that a drift in the machine's load (other
# work running) does not favour either.
# order I [SERVER...]: the servers (default: all) in the order of turn I, forwards in even turns, backwards in odd ones
order() {
    local turn=$1 list i
    shift
    list=("$@")
    ((${#list[@]})) || list=("${SERVERS[@]}")
    if ((turn % 2)); then for ((i = ${#list[@]} - 1; i >= 0; i--)); do echo "${list[i]}"; done; else printf '%s\n' "${list[@]}"; fi
}
# cpu_per_gib TICKS RUNS: server CPU seconds per GiB moved
cpu_per_gib() { awk -v d="$1" -v hz="$CLK_TCK" -v r="$2" -v m="$BLOB_MB" 'BEGIN { printf "%.2f", d / hz / (r * m / 1024) }'; }
declare -A BEST TICKS
for s in "${SERVERS[@]}"; do BEST[$s]=0 TICKS[$s]=0; done
for i in $(seq "$PUSH_RUNS"); do
    for s in $(order "$i"); do
        sync
        ticks0=$(cpu_ticks "${PID[$s]}")
        secs=$(push_blob "$s" "bench/big$i" "$BLOB" "$BLOB_DIGEST")
        TICKS[$s]=$((TICKS[$s] + $(cpu_ticks "${PID[$s]}") - ticks0))
        BEST[$s]=$(best "${BEST[$s]}" "$(mibs "$BLOB_MB" 0 "$secs")")
    done
done
for s in "${SERVERS[@]}"; do
    log "$s: push ${BLOB_MB} MiB: ${BEST[$s]} MiB/s, $(cpu_per_gib "${TICKS[$s]}" "$PUSH_RUNS") CPU s/GiB"
    rec "${s}_push_mibs" "${BEST[$s]}"
    rec "${s}_push_cpu_s_gib" "$(cpu_per_gib "${TICKS[$s]}" "$PUSH_RUNS")"
    BEST[$s]=0 TICKS[$s]=0
done
for i in $(seq "$PULL_RUNS"); do
    for s in $(order "$i"); do
        ticks0=$(cpu_ticks "${PID[$s]}")
        secs=$(pull_blob "$s" bench/big1 "$BLOB_DIGEST" "$BLOB_SIZE")
        TICKS[$s]=$((TICKS[$s] + $(cpu_ticks "${PID[$s]}") - ticks0))
        BEST[$s]=$(best "${BEST[$s]}" "$(mibs "$BLOB_MB" 0 "$secs")")
    done
done
for s in "${SERVERS[@]}"; do
    log "$s: pull ${BLOB_MB} MiB: ${BEST[$s]} MiB/s, $(cpu_per_gib "${TICKS[$s]}" "$PULL_RUNS") CPU s/GiB"
    rec "${s}_pull_mibs" "${BEST[$s]}"
    rec "${s}_pull_cpu_s_gib" "$(cpu_per_gib "${TICKS[$s]}" "$PULL_RUNS")"
done

# Berth's monolithic POST, for information.
for s in "${SERVERS[@]}"; do
    is_berth "$s" || continue
    mono_best=0
    for i in $(seq "$PUSH_RUNS"); do
        sync
        secs=$(mono_push "$s" "bench/mono$i" "$BLOB" "$BLOB_DIGEST")
        mono_best=$(best "$mono_best" "$(mibs "$BLOB_MB" 0 "$secs")")
    done
    log "$s: monolithic POST ${BLOB_MB} MiB: $mono_best MiB/s"
    rec "${s}_mono_mibs" "$mono_best"
done
for s in "${SERVERS[@]}"; do rec "${s}_hwm_big_mib" "$(status_mib "${PID[$s]}" VmHWM)"; done

# --- images: CLIENTS parallel skopeo, push from the OCI layout, then pull to dir: ---------------------------------
# skopeo keeps a blob-info cache and, as docker and podman do, mounts a layer from another repository of the same
# registry when that cache knows one: both registries get the same. The cache is one bbolt file per user
# (/var/lib/containers/cache for root, $XDG_DATA_HOME/containers/cache otherwise), and processes that share it take
# turns on a file lock that a waiting process tries again only every 50 ms: CLIENTS processes sharing one file spend
# much of an image's time asleep on it, whichever registry they talk to. Clients on separate machines share no
# cache, so each client here gets its own, in the work directory (empty at the start of every run): for root, a
# private mount namespace with the client's directory mounted over /var/lib/containers/cache.
SKOPEO=(skopeo --insecure-policy copy -q)
CLIENT_CACHES=own
if [[ $EUID -eq 0 ]]; then
    mkdir -p /var/lib/containers/cache
    if ! unshare --mount --propagation private true 2>/dev/null; then
        CLIENT_CACHES=shared
        log "warning: unshare --mount failed: the skopeo clients share one blob-info cache (see bench/README.md)"
    fi
fi
rec client_caches "$CLIENT_CACHES"

# client_loop CLIENT FIRST LAST LOG COMMAND...: runs COMMAND for images FIRST+CLIENT, FIRST+CLIENT+CLIENTS, ... up to
# LAST, one after another, with {} in its arguments replaced by the image number; fails on the first that fails.
client_loop() {
    local i command=("${@:5}")
    for ((i = $2 + $1; i <= $3; i += CLIENTS)); do "${command[@]//\{\}/$i}" >>"$4" 2>&1 || return 1; done
}
export -f client_loop
export CLIENTS

# run_clients SERVER FIRST LAST COMMAND...: CLIENTS clients run COMMAND (see client_loop) over images FIRST..LAST,
# client k taking every CLIENTS-th image from FIRST+k, each with its own blob-info cache; prints seconds.
run_clients() {
    local s=$1 first=$2 last=$3 k cache t0 t1 failed=0 pids=()
    shift 3
    t0=$(now)
    for ((k = 0; k < CLIENTS; k++)); do
        cache=$WORK/clients/$k
        mkdir -p "$cache"
        if [[ $CLIENT_CACHES == shared ]]; then
            client_loop "$k" "$first" "$last" "$WORK/skopeo-$s.log" "$@" &
        elif [[ $EUID -eq 0 ]]; then
            unshare --mount --propagation private bash -c \
                'mount --bind "$1" /var/lib/containers/cache && client_loop "${@:2}"' _ "$cache" \
                "$k" "$first" "$last" "$WORK/skopeo-$s.log" "$@" &
        else
            XDG_DATA_HOME=$cache client_loop "$k" "$first" "$last" "$WORK/skopeo-$s.log" "$@" &
        fi
        pids+=($!)
    done
    for k in "${pids[@]}"; do wait "$k" || failed=1; done
    t1=$(now)
    if ((failed)); then
        tail -20 "$WORK/skopeo-$s.log" >&2
        return 1
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}

# push_images SERVER LAYOUT FIRST LAST REPO_PREFIX: prints seconds
push_images() {
    local creds=(--dest-no-creds)
    is_berth "$1" && creds=(--dest-creds "admin:$BERTH_PASSWORD")
    run_clients "$1" "$3" "$4" "${SKOPEO[@]}" --preserve-digests --dest-tls-verify=false "${creds[@]}" \
        "oci:$2:img{}" "docker://127.0.0.1:${PORT[$1]}/$5/img{}:v1" || die "$1: an image push failed"
}

# pull_images SERVER FIRST LAST REPO_PREFIX: prints seconds
pull_images() {
    local secs pulled dir=$WORK/pull-$1 creds=(--src-no-creds)
    is_berth "$1" && creds=(--src-creds "admin:$BERTH_PASSWORD")
    mkdir -p "$dir"
    secs=$(run_clients "$1" "$2" "$3" "${SKOPEO[@]}" --src-tls-verify=false "${creds[@]}" \
        "docker://127.0.0.1:${PORT[$1]}/$4/img{}:v1" "dir:$dir/img{}") || die "$1: an image pull failed"
    pulled=$(find "$dir" -name manifest.json | wc -l)
    [[ $pulled == $(($3 - $2 + 1)) ]] || die "$1: $pulled of images $2-$3 pulled"
    rm -rf "$dir"
    echo "$secs"
}

# Warm-up: WARMUP_IMAGES other images (their own random layers, so nothing of them is reused below) take both servers
# through every request an image push and pull makes, until Berth's JIT has optimized the code a push runs once per
# image (after 30 calls, so some 30-40 images). Their rate is reported for information, not judged.
if ((WARMUP_IMAGES > 0)); then
    for s in "${SERVERS[@]}"; do
        secs=$(push_images "$s" "$WORK/warmup" 0 $((WARMUP_IMAGES - 1)) warmup)
        rec "${s}_warm_push_ips" "$(awk -v n="$WARMUP_IMAGES" -v t="$secs" 'BEGIN { printf "%.2f", n / t }')"
        secs=$(pull_images "$s" 0 $((WARMUP_IMAGES - 1)) warmup)
        rec "${s}_warm_pull_ips" "$(awk -v n="$WARMUP_IMAGES" -v t="$secs" 'BEGIN { printf "%.2f", n / t }')"
    done
fi

# The images go in IMAGE_ROUNDS batches, the servers taking turns as above (berth, dist, then dist, berth, ...); each
# server's figure is all its images over the sum of its batches' wall-clock times.
for kind in push pull; do
    declare -A SECS=()
    for s in "${SERVERS[@]}"; do SECS[$s]=0; done
    for r in $(seq 0 $((IMAGE_ROUNDS - 1))); do
        first=$((r * IMAGES / IMAGE_ROUNDS))
        last=$(((r + 1) * IMAGES / IMAGE_ROUNDS - 1))
        ((last >= first)) || continue
        for s in $(order "$r"); do
            if [[ $kind == push ]]; then
                secs=$(push_images "$s" "$LAYOUT" "$first" "$last" bench)
            else
                secs=$(pull_images "$s" "$first" "$last" bench)
            fi
            SECS[$s]=$(awk -v a="${SECS[$s]}" -v b="$secs" 'BEGIN { print a + b }')
        done
    done
    for s in "${SERVERS[@]}"; do
        ips=$(awk -v n="$IMAGES" -v t="${SECS[$s]}" 'BEGIN { printf "%.2f", n / t }')
        log "$s: image $kind: $ips images/s"
        rec "${s}_img_${kind}_ips" "$ips"
    done
done

# --- manifests: GET with wrk, HEAD with ab (wrk 4.1 hangs on HEAD: it waits for the body Content-Length announces) --
manifest_url() { echo "http://127.0.0.1:${PORT[$1]}/v2/bench/img0/manifests/v1"; }
# AUTH[SERVER]: the header a real client sends, a bearer token for Berth (one token, as a client reuses it).
declare -A AUTH
TOKEN=$(curl -fsS "$(base_url berth)/service/token?service=harbor-registry&scope=repository:bench/img0:pull" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
AUTH[berth]="Authorization: Bearer $TOKEN"
AUTH[dist]="X-Bench: no-auth"
for s in "${MANIFEST_SERVERS[@]}"; do
    got=$(curl -fsS -H "$ACCEPT" -H "${AUTH[$s]}" "$(manifest_url "$s")" | openssl dgst -sha256 -r | cut -d' ' -f1)
    [[ sha256:$got == "$MANIFEST0_DIGEST" ]] || die "$s: GET manifest returned other bytes ($got)"
    code=$(curl -sS -o /dev/null -w '%{http_code}' -I -H "$ACCEPT" -H "${AUTH[$s]}" "$(manifest_url "$s")")
    [[ $code == 200 ]] || die "$s: HEAD manifest answered $code"
    # warm-up (JIT, caches, connection pools): not measured
    wrk -t2 -c16 -d2s -H "$ACCEPT" -H "${AUTH[$s]}" "$(manifest_url "$s")" >/dev/null
    ab -q -k -i -c 16 -t 1 -n 10000000 -H "$ACCEPT" -H "${AUTH[$s]}" "$(manifest_url "$s")" >/dev/null 2>&1 || true
done

# measure SERVER METHOD CONNECTIONS
measure() {
    local s=$1 method=$2 c=$3 url pid ticks0 ticks1 out requests secs p99 errors cpu rps key
    url=$(manifest_url "$s")
    pid=${PID[$s]}
    ticks0=$(cpu_ticks "$pid")
    if [[ $method == get ]]; then
        out=$(wrk -t2 -c"$c" -d"${DURATION}s" --latency -s "$BENCH_DIR/wrk_summary.lua" -H "$ACCEPT" -H "${AUTH[$s]}" "$url")
        ticks1=$(cpu_ticks "$pid")
        out=$(grep '^BENCH' <<<"$out") || die "$s: no summary from wrk"
        requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$out")
        secs=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$out" | awk '{ print $1 / 1e6 }')
        p99=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$out" | awk '{ printf "%.3f", $1 / 1000 }')
        errors=$(sed -E 's/.* errors=([0-9]+) status_errors=([0-9]+).*/\1 \2/' <<<"$out" | awk '{ print $1 + $2 }')
    else
        out=$(ab -q -k -i -c "$c" -t "$DURATION" -n $((DURATION * 200000)) -e "$WORK/ab.csv" -H "$ACCEPT" -H "${AUTH[$s]}" "$url" 2>&1) ||
            die "$s: ab failed: $(tail -3 <<<"$out")"
        ticks1=$(cpu_ticks "$pid")
        requests=$(awk '/^Complete requests:/ { print $3 }' <<<"$out")
        secs=$(awk '/^Time taken for tests:/ { print $5 }' <<<"$out")
        p99=$(awk -F, '$1 == "99" { printf "%.3f", $2 }' "$WORK/ab.csv")
        errors=$(awk '/^Failed requests:/ { f = $3 } /^Non-2xx responses:/ { n = $3 } END { print f + n }' <<<"$out")
    fi
    rps=$(awk -v n="$requests" -v t="$secs" 'BEGIN { printf "%.0f", n / t }')
    cpu=$(awk -v d="$((ticks1 - ticks0))" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.4f", d * 1000 / hz / n }')
    [[ $errors == 0 ]] || log "WARNING: $s $method c$c: $errors failed or non-2xx responses"
    key="${s}_${method}_c${c}"
    rec "${key}_rps" "$rps"
    rec "${key}_p99_ms" "$p99"
    rec "${key}_cpu_ms" "$cpu"
    rec "${key}_errors" "$errors"
    log "$s: manifest ${method^^} c$c: $rps req/s, p99 $p99 ms, $cpu CPU ms/req"
}

turn=0
for c in $CONNECTIONS; do
    for method in get head; do
        for s in $(order "$turn" "${MANIFEST_SERVERS[@]}"); do measure "$s" "$method" "$c"; done
        turn=$((turn + 1))
    done
done

for s in "${SERVERS[@]}"; do rec "${s}_hwm_end_mib" "$(status_mib "${PID[$s]}" VmHWM)"; done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------------------------------
if [[ $BERTH_BIN == "$REPO/"* ]]; then
    commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || commit="$commit+local changes"
else
    commit="binary $BERTH_BIN"
fi
report() {
    echo "Berth $commit vs $(docker-registry --version 2>/dev/null | awk '{ print $2, $3 }'), $(skopeo --version)"
    echo "Run: $START_DATE; machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)" \
        "memory, $(uname -r); load average before $LOAD_BEFORE, after $LOAD_AFTER"
    echo "Inputs: ${BLOB_MB} MiB random blob (memory reference ${SMALL_MB} MiB), $IMAGES images x $CLIENTS skopeo" \
        "clients ($([[ $CLIENT_CACHES == own ]] && echo "each with its own" || echo "sharing one") blob-info cache)," \
        "${DURATION}s per manifest measurement; Berth authenticated as real clients are (bearer tokens), Distribution without auth"
    if [[ $STORAGE == s3 ]]; then
        echo "Storage: one s3rver $(node -p "require('$REPO/tools/s3rver/node_modules/s3rver/package.json').version")" \
            "(node $(node --version)), a bucket per registry; Berth's metadata in PostgreSQL $("$(pg_bin)/postgres" --version |
                awk '{ print $3 }') (default durability); redirect = blob pulls answered with 307 to a presigned URL" \
            "(both servers' default), proxy = streamed through the registry"
    fi
    echo
    python3 "$BENCH_DIR/report.py" "$RESULTS"
    echo
    echo "Throughputs are the best of PUSH_RUNS=$PUSH_RUNS pushes, PULL_RUNS=$PULL_RUNS pulls, LIMIT_RUNS=$LIMIT_RUNS limit runs;" \
        "ratios for latency, CPU and memory are lower-is-better."
}
if [[ -n $OUT ]]; then report | tee "$OUT"; else report; fi
