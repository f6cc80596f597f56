#!/usr/bin/env python3
"""Writes an OCI image layout holding N small multi-layer images, tagged img0 .. img<N-1>.

Each image has 3 or 4 gzip-compressed tar layers of random (incompressible) bytes:
  - one "base" layer (1-4 MiB) taken from a small shared pool, so many images share it,
  - sometimes (40%) a "middle" layer (256 KiB-1 MiB) from a second shared pool,
  - two layers of its own (256 KiB-3 MiB each).
The structure (sizes, sharing) is seeded, so every run pushes the same shape of data.

usage: make_images.py LAYOUT_DIR COUNT [SEED]
"""
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

KIB = 1024
MIB = 1024 * 1024


def put_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return "sha256:" + digest


def make_layer(layout, name, size):
    """A gzip'd tar with one file of random bytes; returns (descriptor, diff_id)."""
    payload = os.urandom(size)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name=f"bench/{name}.bin")
        info.size = size
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(payload))
    tar_bytes = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
    compressed = gzip.compress(tar_bytes, compresslevel=1, mtime=0)
    digest = put_blob(layout, compressed)
    descriptor = {
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": digest,
        "size": len(compressed),
    }
    return descriptor, diff_id


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    layout = sys.argv[1]
    count = int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20251122)
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)

    bases = [make_layer(layout, f"base{i}", rng.randint(1 * MIB, 4 * MIB)) for i in range(max(2, count // 8))]
    middles = [make_layer(layout, f"middle{i}", rng.randint(256 * KIB, 1 * MIB)) for i in range(max(2, count // 10))]

    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}
    total_layers = 0
    total_bytes = 0
    for n in range(count):
        layers = [bases[n % len(bases)]]
        if rng.random() < 0.4:
            layers.append(middles[rng.randrange(len(middles))])
        layers += [make_layer(layout, f"img{n}-{k}", rng.randint(256 * KIB, 3 * MIB)) for k in range(2)]
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/bin:/bin"], "Labels": {"bench.image": str(n)}},
            "rootfs": {"type": "layers", "diff_ids": [diff_id for _, diff_id in layers]},
        }
        config_bytes = json.dumps(config, separators=(",", ":")).encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": put_blob(layout, config_bytes),
                "size": len(config_bytes),
            },
            "layers": [descriptor for descriptor, _ in layers],
        }
        manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
        index["manifests"].append({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": put_blob(layout, manifest_bytes),
            "size": len(manifest_bytes),
            "annotations": {"org.opencontainers.image.ref.name": f"img{n}"},
        })
        total_layers += len(layers)
        total_bytes += sum(d["size"] for d, _ in layers)

    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    unique = sum(os.path.getsize(os.path.join(layout, "blobs", "sha256", p))
                 for p in os.listdir(os.path.join(layout, "blobs", "sha256")))
    print(f"{count} images, {total_layers} layer references, {total_bytes / MIB:.1f} MiB referenced, "
          f"{unique / MIB:.1f} MiB of distinct blobs")


if __name__ == "__main__":
    main()
