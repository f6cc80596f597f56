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

    hash_, dd, net = num("limit_hash_mibs"), num("limit_dd_mibs"), num("limit_net_mibs")
    push_limit = min(x for x in (hash_, dd) if x is not None) if (hash_ or dd) else None
    blob_mb = int(num("blob_mb") or 0)
    small_mb = int(num("small_mb") or 0)

    print(f"Physical limits (best of runs): SHA-256 {fmt(hash_)} MiB/s, durable writes (dd conv=fsync) {fmt(dd)} MiB/s"
          f" -> push limit {fmt(push_limit)} MiB/s; loopback (nginx -> curl) {fmt(net)} MiB/s = pull limit.")
    print()

    b, d = num("berth_push_mibs"), num("dist_push_mibs")
    q = ratio(b, d)
    row(f"Blob push, {blob_mb} MiB, POST+PUT (MiB/s)", b, d, limit=push_limit,
        target="≥2× and ≥50% of limit",
        ok=None if b is None or q is None or not push_limit else (q >= 2 and b >= 0.5 * push_limit))
    b, d = num("berth_pull_mibs"), num("dist_pull_mibs")
    row(f"Blob pull, {blob_mb} MiB (MiB/s)", b, d, limit=net, target="≥90% of limit",
        ok=None if b is None or not net else b >= 0.9 * net)
    row("Blob push: server CPU (s per GiB)", num("berth_push_cpu_s_gib"), num("dist_push_cpu_s_gib"), digits=2)
    row("Blob pull: server CPU (s per GiB)", num("berth_pull_cpu_s_gib"), num("dist_pull_cpu_s_gib"), digits=2)
    b = num("berth_mono_mibs")
    rows.append([f"Blob push, {blob_mb} MiB, monolithic POST (MiB/s)", fmt(b), "unsupported", "",
                 share(b, push_limit), "", "info", ""])

    images = r.get("images", "?")
    clients = r.get("clients", "?")
    for kind in ("push", "pull"):
        b, d = num(f"berth_img_{kind}_ips"), num(f"dist_img_{kind}_ips")
        q = ratio(b, d)
        row(f"Image {kind}, {images} images, {clients} skopeo (images/s)", b, d, digits=2, target="≥1.3×",
            ok=None if q is None else q >= 1.3)

    for conns in r.get("connections", "").split():
        for method in ("get", "head"):
            tool = "wrk" if method == "get" else "ab"
            label = f"Manifest {method.upper()} c{conns} ({tool})"
            b, d = num(f"berth_{method}_c{conns}_rps"), num(f"dist_{method}_c{conns}_rps")
            q = ratio(b, d)
            row(f"{label}: requests/s", b, d, target="≥5×", ok=None if q is None else q >= 5)
            b, d = num(f"berth_{method}_c{conns}_p99_ms"), num(f"dist_{method}_c{conns}_p99_ms")
            q = ratio(b, d)
            row(f"{label}: p99 latency (ms)", b, d, digits=2, target="≤0.5×", ok=None if q is None else q <= 0.5)
            b, d = num(f"berth_{method}_c{conns}_cpu_ms"), num(f"dist_{method}_c{conns}_cpu_ms")
            row(f"{label}: server CPU (ms/request)", b, d, digits=3)

    row("Memory: RSS after start (MiB)", num("berth_rss_start_mib"), num("dist_rss_start_mib"))
    row(f"Memory: peak (VmHWM) after the {small_mb} MiB blob phase (MiB)", num("berth_hwm_small_mib"),
        num("dist_hwm_small_mib"))
    row(f"Memory: peak (VmHWM) after the {blob_mb} MiB blob phase (MiB)", num("berth_hwm_big_mib"),
        num("dist_hwm_big_mib"))
    allowed = 0.1 * (blob_mb - small_mb)
    b = None if num("berth_hwm_big_mib") is None else num("berth_hwm_big_mib") - num("berth_hwm_small_mib")
    d = None if num("dist_hwm_big_mib") is None else num("dist_hwm_big_mib") - num("dist_hwm_small_mib")
    rows.append([f"Memory: peak growth from {small_mb} to {blob_mb} MiB blob (MiB)", fmt(b), fmt(d), "", "", "",
                 f"≤{allowed:.0f} (10% of the extra {blob_mb - small_mb} MiB)",
                 verdict(None if b is None else b <= allowed)])
    row("Memory: peak (VmHWM) at the end (MiB)", num("berth_hwm_end_mib"), num("dist_hwm_end_mib"))

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
