#!/usr/bin/env bash
# Installs s3rver from this directory's lock file into its (git-ignored) node_modules when missing, and patches it:
# ./test.sh runs the S3 driver's tests against it, bench/run.sh (STORAGE=s3) the benchmark.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x node_modules/.bin/s3rver ]; then
  echo "installing s3rver" >&2
  npm ci --no-audit --no-fund --silent
fi
# s3rver 3.7.1 decodes x-amz-copy-source with decodeURI, which leaves '%2F' encoded, so each CopyObject from an SDK
# that encodes the source as S3 specifies fails with NoSuchBucket. S3 decodes the whole value; so does the patched line.
copy_js=node_modules/s3rver/lib/controllers/object.js
sed -i "s/decodeURI(ctx.headers\['x-amz-copy-source'\])/decodeURIComponent(ctx.headers['x-amz-copy-source'])/" "$copy_js"
grep -q "decodeURIComponent(ctx.headers\['x-amz-copy-source'\])" "$copy_js" || { echo "cannot patch $copy_js" >&2; exit 1; }
