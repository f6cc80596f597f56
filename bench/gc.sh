#!/usr/bin/env bash
# GC benchmark: how fast 'berth gc' sweeps unreferenced blobs on the filesystem driver (objects per second).
#
#   bench/gc.sh                 # 100,000 blobs
#   BLOBS=10000 bench/gc.sh     # a quick check
#
# It stages BLOBS unreferenced blobs (a row in the database and a small file in the store each, three hours old, so
# outside the grace window), runs one 'berth gc', and checks that nothing is left. Staging writes the database and
# files directly, because pushing 100,000 blobs would measure the upload path instead.
set -euo pipefail
cd "$(dirname "$0")/.."

BLOBS=${BLOBS:-100000}
WORKERS=${WORKERS:-4}
TMP_ROOT=${TMP_ROOT:-/var/tmp}
work=$(mktemp -d "$TMP_ROOT/berth-gcbench-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

if [ -z "${BERTH_BIN:-}" ]; then
  [ -n "${SKIP_BUILD:-}" ] || dotnet build src/Berth -c Release --nologo -v quiet >/dev/null
  BERTH_BIN=$PWD/src/Berth/bin/Release/net10.0/berth
fi

data=$work/data
"$BERTH_BIN" migrate --data-dir "$data" >/dev/null

echo "staging $BLOBS unreferenced blobs in $data ..."
python3 - "$data" "$BLOBS" <<'PY'
import hashlib, os, sqlite3, sys
data, count = sys.argv[1], int(sys.argv[2])
old = "2000-01-01 00:00:00"
rows = []
for i in range(count):
    content = i.to_bytes(8, "little")
    hexdigest = hashlib.sha256(content).hexdigest()
    directory = os.path.join(data, "storage", "blobs", "sha256", hexdigest[:2], hexdigest)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "data"), "wb") as f:
        f.write(content)
    rows.append(("sha256:" + hexdigest, len(content), 0, old, old))
db = sqlite3.connect(os.path.join(data, "berth.db"))
db.executemany('INSERT INTO blobs ("Digest", "Size", "State", "CreatedAt", "UpdatedAt") VALUES (?, ?, ?, ?, ?)', rows)
db.commit()
PY

start=$(date +%s%N)
"$BERTH_BIN" gc --data-dir "$data" --workers "$WORKERS" > "$work/gc.log"
end=$(date +%s%N)
tail -n 1 "$work/gc.log"

left_rows=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from blobs').fetchone()[0])" "$data/berth.db")
left_files=$(find "$data/storage/blobs" -type f | wc -l)
python3 -c 'import sys; n, ns = int(sys.argv[1]), int(sys.argv[2]); s = ns / 1e9; print(f"swept {n} blobs in {s:.2f} s: {n / s:.0f} blobs/s (workers {sys.argv[3]}; rows left {sys.argv[4]}, files left {sys.argv[5]})")' \
  "$BLOBS" "$((end - start))" "$WORKERS" "$left_rows" "$left_files"
[ "$left_rows" -eq 0 ] && [ "$left_files" -eq 0 ]
