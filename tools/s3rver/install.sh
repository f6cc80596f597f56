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

# s3rver rewrites an object's metadata.json in place (writeFile, fs.copy) and a LIST or HEAD that reads it meanwhile
# finds it empty or cut short: JSON.parse throws and the request gets 500 InternalError. S3 never shows a half-written
# object; the patched read tries again for up to 100 ms until the writer is done.
store_js=node_modules/s3rver/lib/stores/filesystem.js
perl -0pi -e 's/      fs\n        \.readFile\(metadataPath\)\n        \.then\(JSON\.parse\)\n/      (async () => {\n        for (let attempt = 1; ; attempt++) {\n          const text = await fs.readFile(metadataPath, "utf8");\n          try { return JSON.parse(text); } catch (err) {\n            if (!(err instanceof SyntaxError) || attempt >= 50) throw err;\n            await new Promise(resolve => setTimeout(resolve, 2));\n          }\n        }\n      })()\n/' "$store_js"
grep -q 'if (!(err instanceof SyntaxError) || attempt >= 50) throw err;' "$store_js" || { echo "cannot patch $store_js" >&2; exit 1; }

# s3rver encrypts a LIST's continuation token with DES, which OpenSSL 3 keeps in its legacy provider: on Node 20 every
# LIST of more than one page (1,000 keys) answers 500 (ERR_OSSL_EVP_UNSUPPORTED). The token is opaque to clients; the
# patched one uses AES-128-CBC, with s3rver's 8-byte key and IV each written twice.
bucket_js=node_modules/s3rver/lib/controllers/bucket.js
sed -i "s/('des', key, iv)/('aes-128-cbc', Buffer.concat([key, key]), Buffer.concat([iv, iv]))/" "$bucket_js"
[ "$(grep -c "('aes-128-cbc', Buffer.concat(\[key, key\]), Buffer.concat(\[iv, iv\]))" "$bucket_js")" = 2 ] ||
  { echo "cannot patch $bucket_js" >&2; exit 1; }
