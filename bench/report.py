#!/usr/bin/env python3
"""Turns the `key value` lines that run.sh records into the results table (Markdown).

usage: report.py RESULTS_FILE
"""
import sys


def load(path):
    values = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 1)
            if len(parts) == 2:
                values[parts[0]] = parts[1]
    return values


def main():
    r = load(sys.argv[1])

    def num(key):
        value = r.get(key)
        try:
            return float(value) if value not in (None, "") else None
        except ValueError:
            return None

    def fmt(value, digits=1):
        if value is None:
            return "n/a"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"

    def ratio(b, d):
        return b / d if b is not None and d not in (None, 0) else None

    def share(value, limit):
        return f"{100 * value / limit:.0f}%" if value is not None and limit else ""

    def verdict(ok):
        return "" if ok is None else ("yes" if ok else "**NO**")

    rows = []

    def row(name, b, d, digits=1, limit=None, target="", ok=None):
        q = ratio(b, d)
        rows.append([name, fmt(b, digits), fmt(d, digits), f"{q:.2f}×" if q is not None else "",
                     share(b, limit), share(d, limit), target, verdict(ok)])

    # STORAGE=fs compares Berth with Distribution on the filesystem; STORAGE=s3 on one S3 server, in pairs: each pair is
    # a Berth and a Distribution that serve blob pulls the same way (redirect or proxy), shown as the row's prefix.
    s3 = r.get("storage", "fs") == "s3"
    pairs = [pair.split(":") for pair in r.get("pairs", "berth:dist").split()]
    modes = {"berth": "redirect", "berthproxy": "proxy"}
    blob_mb = int(num("blob_mb") or 0)
    small_mb = int(num("small_mb") or 0)

    hash_ = num("limit_hash_mibs")
    if s3:
        put, get = num("limit_s3_put_mibs"), num("limit_s3_get_mibs")
        push_limit = min(x for x in (hash_, put) if x is not None) if (hash_ or put) else None
        pull_limit = get
        print(f"Limits (best of runs): SHA-256 {fmt(hash_)} MiB/s; the S3 server alone (curl, no registry): PUT {fmt(put)}"
              f" MiB/s, GET {fmt(get)} MiB/s -> push limit {fmt(push_limit)} MiB/s, pull limit {fmt(pull_limit)} MiB/s.")
        targets = {"push": "≥1×", "pull": "≥1×", "images": "≥1×", "rps": "≥3×", "p99": "≤1×"}
        minimum = {"push": 1, "pull": 1, "images": 1, "rps": 3}
        most_p99 = 1
    else:
        dd, net = num("limit_dd_mibs"), num("limit_net_mibs")
        push_limit = min(x for x in (hash_, dd) if x is not None) if (hash_ or dd) else None
        pull_limit = net
        print(f"Physical limits (best of runs): SHA-256 {fmt(hash_)} MiB/s, durable writes (dd conv=fsync) {fmt(dd)} MiB/s"
              f" -> push limit {fmt(push_limit)} MiB/s; loopback (nginx -> curl) {fmt(net)} MiB/s = pull limit.")
        targets = {"rps": "≥5×", "p99": "≤0.5×", "images": "≥1.3×"}
        minimum = {"rps": 5, "images": 1.3}
        most_p99 = 0.5
    print()

    for bs, ds in pairs:
        prefix = f"{modes.get(bs, bs)}: " if s3 else ""

        b, d = num(f"{bs}_push_mibs"), num(f"{ds}_push_mibs")
        q = ratio(b, d)
        if s3:
            row(f"{prefix}Blob push, {blob_mb} MiB, POST+PUT (MiB/s)", b, d, limit=push_limit, target=targets["push"],
                ok=None if q is None else q >= minimum["push"])
        else:
            row(f"Blob push, {blob_mb} MiB, POST+PUT (MiB/s)", b, d, limit=push_limit,
                target="≥2× and ≥50% of limit",
                ok=None if b is None or q is None or not push_limit else (q >= 2 and b >= 0.5 * push_limit))
        b, d = num(f"{bs}_pull_mibs"), num(f"{ds}_pull_mibs")
        q = ratio(b, d)
        if s3:
            row(f"{prefix}Blob pull, {blob_mb} MiB (MiB/s)", b, d, limit=pull_limit, target=targets["pull"],
                ok=None if q is None else q >= minimum["pull"])
        else:
            row(f"Blob pull, {blob_mb} MiB (MiB/s)", b, d, limit=pull_limit, target="≥90% of limit",
                ok=None if b is None or not pull_limit else b >= 0.9 * pull_limit)
        row(f"{prefix}Blob push: server CPU (s per GiB)", num(f"{bs}_push_cpu_s_gib"), num(f"{ds}_push_cpu_s_gib"),
            digits=2)
        row(f"{prefix}Blob pull: server CPU (s per GiB)", num(f"{bs}_pull_cpu_s_gib"), num(f"{ds}_pull_cpu_s_gib"),
            digits=2)
        b = num(f"{bs}_mono_mibs")
        rows.append([f"{prefix}Blob push, {blob_mb} MiB, monolithic POST (MiB/s)", fmt(b), "unsupported", "",
                     share(b, push_limit), "", "info", ""])

        images = r.get("images", "?")
        clients = r.get("clients", "?")
        warm = r.get("warmup_images", "?")
        for kind in ("push", "pull"):
            if f"{bs}_warm_{kind}_ips" in r:
                row(f"{prefix}Image {kind}, warm-up: the first {warm} images (images/s)", num(f"{bs}_warm_{kind}_ips"),
                    num(f"{ds}_warm_{kind}_ips"), digits=2, target="info")
        for kind in ("push", "pull"):
            b, d = num(f"{bs}_img_{kind}_ips"), num(f"{ds}_img_{kind}_ips")
            q = ratio(b, d)
            row(f"{prefix}Image {kind}, {images} images, {clients} skopeo (images/s)", b, d, digits=2,
                target=targets["images"], ok=None if q is None else q >= minimum["images"])

        for conns in r.get("connections", "").split():
            for method in ("get", "head"):
                if f"{bs}_{method}_c{conns}_rps" not in r:
                    continue  # manifests are measured on the first pair only: the blob redirect does not touch them
                tool = "wrk" if method == "get" else "ab"
                label = f"{prefix}Manifest {method.upper()} c{conns} ({tool})"
                b, d = num(f"{bs}_{method}_c{conns}_rps"), num(f"{ds}_{method}_c{conns}_rps")
                q = ratio(b, d)
                row(f"{label}: requests/s", b, d, target=targets["rps"], ok=None if q is None else q >= minimum["rps"])
                b, d = num(f"{bs}_{method}_c{conns}_p99_ms"), num(f"{ds}_{method}_c{conns}_p99_ms")
                q = ratio(b, d)
                row(f"{label}: p99 latency (ms)", b, d, digits=2, target=targets["p99"],
                    ok=None if q is None else q <= most_p99)
                b, d = num(f"{bs}_{method}_c{conns}_cpu_ms"), num(f"{ds}_{method}_c{conns}_cpu_ms")
                row(f"{label}: server CPU (ms/request)", b, d, digits=3)

        row(f"{prefix}Memory: RSS after start (MiB)", num(f"{bs}_rss_start_mib"), num(f"{ds}_rss_start_mib"))
        row(f"{prefix}Memory: peak (VmHWM) after the {small_mb} MiB blob phase (MiB)", num(f"{bs}_hwm_small_mib"),
            num(f"{ds}_hwm_small_mib"))
        row(f"{prefix}Memory: peak (VmHWM) after the {blob_mb} MiB blob phase (MiB)", num(f"{bs}_hwm_big_mib"),
            num(f"{ds}_hwm_big_mib"))
        allowed = 0.1 * (blob_mb - small_mb)
        b = None if num(f"{bs}_hwm_big_mib") is None else num(f"{bs}_hwm_big_mib") - num(f"{bs}_hwm_small_mib")
        d = None if num(f"{ds}_hwm_big_mib") is None else num(f"{ds}_hwm_big_mib") - num(f"{ds}_hwm_small_mib")
        rows.append([f"{prefix}Memory: peak growth from {small_mb} to {blob_mb} MiB blob (MiB)", fmt(b), fmt(d), "", "",
                     "", f"≤{allowed:.0f} (10% of the extra {blob_mb - small_mb} MiB)",
                     verdict(None if b is None else b <= allowed)])
        row(f"{prefix}Memory: peak (VmHWM) at the end (MiB)", num(f"{bs}_hwm_end_mib"), num(f"{ds}_hwm_end_mib"))

    header = ["Figure", "Berth", "Distribution", "Berth/Dist", "Berth % of limit", "Dist % of limit", "Target", "Met"]
    widths = [max(len(str(line[i])) for line in rows + [header]) for i in range(len(header))]

    def emit(line):
        print("| " + " | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)) + " |")

    emit(header)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in rows:
        emit(line)


if __name__ == "__main__":
    main()
