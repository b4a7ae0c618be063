"""Latency of warm `shortlist` requests through `creatormatch serve`.

Usage: python3 bench_serve.py BINARY DB REQUESTS [AS_OF]
Sends one warm-up request (the server loads creators), then REQUESTS single-product shortlists for
products chosen with a fixed seed, one at a time, and prints p50/p90/p99 client-side latency.
"""
import json
import random
import subprocess
import sys
import time
import os

RANK_BY = os.environ.get("RANK_BY", "similarity")


def main():
    binary, db, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    as_of = sys.argv[4] if len(sys.argv) > 4 else None
    server = subprocess.Popen([binary, "--db", db, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def call(method, params, ident):
        if as_of:
            params = dict(params, as_of=as_of)
        server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": ident, "method": method, "params": params}) + "\n")
        server.stdin.flush()
        return json.loads(server.stdout.readline())

    listing = call("shortlist", {"all": True, "limit": 0}, 0)
    products = [s["product_id"] for s in listing["result"]["shortlists"]]
    t0 = time.perf_counter()
    warm = call("shortlist", {"product_id": products[0], "limit": 50}, 1)
    first = time.perf_counter() - t0
    assert "result" in warm, warm
    rng = random.Random(7)
    latencies = []
    searches = []
    for i in range(count):
        product = rng.choice(products)
        t0 = time.perf_counter()
        response = call("shortlist", {"product_id": product, "limit": 50, "rank_by": RANK_BY}, i + 2)
        latencies.append(time.perf_counter() - t0)
        assert "result" in response, response
    server.stdin.close()
    server.wait()
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(f"first request (loads creators): {first * 1000:.0f} ms")
    print(f"{count} warm single-product shortlists (k=50, rank_by {RANK_BY}): p50 {pct(0.5):.1f} ms, p90 {pct(0.9):.1f} ms, p99 {pct(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
