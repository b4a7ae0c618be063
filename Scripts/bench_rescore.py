"""Helpers for bench_rescore.sh (standard library only).

dump DB DIR K          write products.f32, creators.f32 and shape.txt from the database's vectors
perturb IN OUT SHARE SEED  write SHARE of the creators of IN with a changed vector, GMV or followers
report TITLE SUMMARY TIME BARE  print a rescore summary's phases and ratios
serve BINARY DB COUNT  p50/p90 of warm single-product shortlists through `creatormatch serve`
"""
import json
import random
import sqlite3
import sys
from pathlib import Path


def dump(db, out, k):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db)
    shape = {}
    for kind, name in (("product", "products"), ("creator", "creators")):
        rows = 0
        dim = None
        with open(out / f"{name}.f32", "wb") as f:
            for data, dimension in con.execute(
                "SELECT data, dimension FROM vectors WHERE owner_kind = ? AND model = 'supplied' ORDER BY owner_id", (kind,)
            ):
                f.write(data)
                rows += 1
                dim = dimension
        shape[kind] = (rows, dim)
    (out / "shape.txt").write_text(f"{shape['product'][0]} {shape['creator'][0]} {shape['creator'][1]} {k}\n")


def perturb(source, out, share, seed):
    rng = random.Random(int(seed))
    lines = Path(source).read_text().splitlines()
    picked = rng.sample(range(len(lines)), int(len(lines) * float(share)))
    with open(out, "w") as f:
        for i in picked:
            c = json.loads(lines[i])
            r = rng.random()
            if r < 0.5:
                c["vector"] = [v + rng.uniform(-0.5, 0.5) for v in c["vector"]]
            elif r < 0.8:
                c["gmv_30d"] = round(rng.uniform(0, 90000), 2)
            else:
                c["followers"] = rng.randint(100, 2_000_000)
            f.write(json.dumps(c) + "\n")


def report(title, bare, *runs):
    """One scenario: each of `runs` is a path prefix with the rescore summary (.json) and /usr/bin/time's
    output (.time). With several runs, prints the median total and the range, and the median run's
    phases (timings on a shared VM vary run to run)."""
    loaded = []
    for prefix in runs:
        s = json.loads(Path(prefix + ".json").read_text())
        wall, rss_kb = Path(prefix + ".time").read_text().split()[-2:]
        loaded.append((s["timings_ms"]["total"] / 1000, float(wall), int(rss_kb), s))
    loaded.sort(key=lambda r: r[0])
    total, wall, rss_kb, s = loaded[len(loaded) // 2]
    t = s["timings_ms"]
    bare = float(bare)
    print(f"\n{title} (run {s['run_id']}, {s['mode']})")
    if len(loaded) > 1:
        totals = ", ".join(f"{r[0]:.2f}" for r in loaded)
        print(f"  {len(loaded)} runs, total (s): {totals}; median {total:.2f} s = {total / bare:.2f} x the bare matcher, "
              f"range {loaded[0][0] / bare:.2f}-{loaded[-1][0] / bare:.2f} x; the median run:")
    print(f"  wall {wall:.1f} s, peak RSS {rss_kb / 1024:.0f} MB; "
          f"{s['products_scored']} products x {s['creators']} creators")
    phases = ", ".join(f"{name} {t[name] / 1000:.2f}" for name in
                       ("eligibility", "load", "digests", "search", "entries", "publish", "compare", "prune") if name in t)
    print(f"  phases (s): {phases}")
    parts = ", ".join(f"{name[5:]} {t[name] / 1000:.2f}" for name in sorted(t) if name.startswith("load."))
    if parts:
        print(f"  load (s): {parts}")
    extra = f"creators changed {s['creators_changed']}, " if s.get("creators_changed") is not None else ""
    print(f"  {extra}products searched over every creator {s['products_searched']}, "
          f"lists written {s['lists_written']}, shared {s['lists_reused']}")
    search = t["search"] / 1000
    print(f"  total {total:.2f} s = {total / bare:.2f} x the bare matcher ({bare:.2f} s, similarity top-k); "
          f"search phase (the blended matcher itself) {search:.2f} s = {search / bare:.2f} x")
    print(f"  outside the search (load, eligibility, commission, digests, entries, publish, compare, prune): "
          f"{total - search:.2f} s = {(total - search) / max(search, 1e-9) * 100:.0f}% of the search phase")


def serve(binary, db, count):
    """Warm single-product shortlists through `creatormatch serve`: each of `count` eligible products
    once, blended then similarity; prints p50 and p90 latency (client side, one request at a time)."""
    import subprocess
    import time
    con = sqlite3.connect(db)
    products = [r[0] for r in con.execute(
        "SELECT product_id FROM run_products WHERE status = 'eligible' AND run_id = (SELECT max(id) FROM runs WHERE status = 'published') "
        "ORDER BY product_id LIMIT ?", (int(count),))]
    con.close()
    server = subprocess.Popen([binary, "--db", db, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def call(i, params):
        started = time.perf_counter()
        server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": "shortlist", "params": params}) + "\n")
        server.stdin.flush()
        response = json.loads(server.stdout.readline())
        if "result" not in response:
            raise SystemExit(f"serve answered an error: {response}")
        return (time.perf_counter() - started) * 1000

    call(0, {"product_id": products[0], "as_of": "2026-11-25"})  # loads the creators
    print(f"\nwarm single-product shortlists through serve ({len(products)} products, each once)")
    for rank_by in ("blended", "similarity"):
        times = sorted(call(i + 1, {"product_id": p, "as_of": "2026-11-25", "rank_by": rank_by}) for i, p in enumerate(products))
        print(f"  {rank_by}: p50 {times[len(times) // 2]:.1f} ms, p90 {times[int(len(times) * 0.9)]:.1f} ms")
    server.stdin.close()
    server.wait()


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    {"dump": dump, "perturb": perturb, "report": report, "serve": serve}[command](*rest)
