#!/usr/bin/env node
// s3rver (tools/s3rver) for the S3 benchmark, with the four multipart operations that CNCF Distribution 2.8's S3
// driver needs and s3rver 3.7.1 answers with NotImplemented or MethodNotAllowed: Distribution resumes an upload on
// every PATCH and PUT by listing the bucket's multipart uploads and the upload's parts, commits a blob above 32 MiB
// with UploadPartCopy, and cancels with AbortMultipartUpload. Without them no push to Distribution on s3rver
// completes. Everything else is s3rver's own code, as tools/s3rver/install.sh patches it for ./test.sh.
//
//   node bench/s3rver.js DIRECTORY PORT BUCKET...     (listens on 127.0.0.1:PORT until killed)
'use strict';

const path = require('path');

const lib = path.join(__dirname, '..', 'tools', 's3rver', 'node_modules', 's3rver', 'lib');
const S3rver = require(path.join(lib, 's3rver.js'));
const router = require(path.join(lib, 'routes.js'));
const S3Error = require(path.join(lib, 'models', 'error.js'));
const fs = require(require.resolve('fs-extra', { paths: [lib] }));

const XMLNS = { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' };

function uploadsDir(ctx) {
  return ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads');
}

async function uploadDir(ctx) {
  const dir = path.join(uploadsDir(ctx), path.basename(ctx.query.uploadId));
  const key = await fs.readFile(path.join(dir, 'key'), 'utf8').catch(() => null);
  if (key === null || key !== ctx.params.key) {
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: ctx.query.uploadId });
  }
  return dir;
}

// GET /BUCKET?uploads[&prefix=P]: every upload in progress (s3rver keeps no more than 1,000 around in a benchmark).
async function listMultipartUploads(ctx) {
  const prefix = ctx.query.prefix || '';
  const root = uploadsDir(ctx);
  const uploads = [];
  for (const id of await fs.readdir(root).catch(() => [])) {
    const key = await fs.readFile(path.join(root, id, 'key'), 'utf8').catch(() => null);
    if (key === null || !key.startsWith(prefix)) continue;
    const { mtime } = await fs.stat(path.join(root, id));
    uploads.push({ Key: key, UploadId: id, Initiated: mtime.toISOString(), StorageClass: 'STANDARD' });
  }
  uploads.sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': XMLNS,
      Bucket: ctx.params.bucket,
      KeyMarker: '',
      UploadIdMarker: '',
      Prefix: prefix,
      MaxUploads: 1000,
      IsTruncated: false,
      Upload: uploads,
    },
  };
}

// GET /BUCKET/KEY?uploadId=ID: the parts uploaded so far.
async function listParts(ctx) {
  const dir = await uploadDir(ctx);
  const parts = [];
  for (const name of await fs.readdir(dir)) {
    if (!/^\d+$/.test(name)) continue;
    const [{ size, mtime }, md5] = await Promise.all([
      fs.stat(path.join(dir, name)),
      fs.readFile(path.join(dir, `${name}.md5`), 'utf8'),
    ]);
    parts.push({ PartNumber: Number(name), LastModified: mtime.toISOString(), ETag: JSON.stringify(md5), Size: size });
  }
  parts.sort((a, b) => a.PartNumber - b.PartNumber);
  ctx.body = {
    ListPartsResult: {
      '@': XMLNS,
      Bucket: ctx.params.bucket,
      Key: ctx.params.key,
      UploadId: ctx.query.uploadId,
      StorageClass: 'STANDARD',
      PartNumberMarker: 0,
      MaxParts: 10000,
      IsTruncated: false,
      Part: parts,
    },
  };
}

// PUT /BUCKET/KEY?partNumber=N&uploadId=ID with x-amz-copy-source[-range]: a part copied from a stored object.
async function uploadPartCopy(ctx) {
  await uploadDir(ctx);
  let source = decodeURIComponent(ctx.headers['x-amz-copy-source']);
  source = source.startsWith('/') ? source.slice(1) : source;
  const [sourceBucket, ...sourceKey] = source.split('/');
  const options = {};
  const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.headers['x-amz-copy-source-range'] || '');
  if (range) {
    options.start = Number(range[1]);
    options.end = Number(range[2]);
  }
  const object = await ctx.store.getObject(sourceBucket, sourceKey.join('/'), options);
  if (!object || !object.content) {
    throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: sourceKey.join('/') });
  }
  const { md5 } = await ctx.store.putPart(ctx.params.bucket, path.basename(ctx.query.uploadId), ctx.query.partNumber, object.content);
  ctx.body = { CopyPartResult: { '@': XMLNS, LastModified: new Date().toISOString(), ETag: JSON.stringify(md5) } };
}

// DELETE /BUCKET/KEY?uploadId=ID
async function abortMultipartUpload(ctx) {
  await fs.remove(await uploadDir(ctx));
  ctx.status = 204;
}

// The routes go right after s3rver's authentication (and the other middleware it runs for every request), before its
// own routes, which would answer these requests first. koa-router matches against router.stack on every request.
const before = router.stack.length;
router.get('/:bucket', (ctx, next) => ('uploads' in ctx.query ? listMultipartUploads(ctx) : next()));
router.get('/:bucket/:key+', (ctx, next) => ('uploadId' in ctx.query ? listParts(ctx) : next()));
router.put('/:bucket/:key+', (ctx, next) =>
  'uploadId' in ctx.query && 'x-amz-copy-source' in ctx.headers ? uploadPartCopy(ctx) : next(),
);
router.delete('/:bucket/:key+', (ctx, next) => ('uploadId' in ctx.query ? abortMultipartUpload(ctx) : next()));
const added = router.stack.splice(before);
const firstRoute = router.stack.findIndex(layer => layer.methods.length > 0 && !layer.methods.includes('OPTIONS'));
router.stack.splice(firstRoute, 0, ...added);

const [directory, port, ...buckets] = process.argv.slice(2);
if (!directory || !port || buckets.length === 0) {
  console.error('usage: s3rver.js DIRECTORY PORT BUCKET...');
  process.exit(2);
}
new S3rver({
  directory,
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  configureBuckets: buckets.map(name => ({ name, configs: [] })),
})
  .run()
  .then(({ port: listening }) => console.log(`s3rver listening on 127.0.0.1:${listening}`))
  .catch(err => {
    console.error(err);
    process.exit(1);
  });
