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
FROM_RUN = os.environ.get("FROM_RUN") == "1"  # answer from the last published run (rescore first)


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

    t0 = time.perf_counter()
    listing = call("shortlist", {"all": True, "limit": 0}, 0)
    first = time.perf_counter() - t0
    products = [s["product_id"] for s in listing["result"]["shortlists"]]
    rng = random.Random(7)
    latencies = []
    searches = []
    for i in range(count):
        product = rng.choice(products)
        t0 = time.perf_counter()
        params = {"product_id": product, "from_run": True} if FROM_RUN else {"product_id": product, "limit": 50, "rank_by": RANK_BY}
        response = call("shortlist", params, i + 2)
        latencies.append(time.perf_counter() - t0)
        assert "result" in response, response
    # Throughput: one batch of single-product requests against one request for every product.
    batch_size = min(1000, len(products))
    batch = [{"jsonrpc": "2.0", "id": 10_000 + i, "method": "shortlist",
              "params": dict({"product_id": products[i % len(products)], "limit": 50, "rank_by": RANK_BY}, **({"as_of": as_of} if as_of else {}))}
             for i in range(batch_size)]
    t0 = time.perf_counter()
    server.stdin.write(json.dumps(batch) + "\n")
    server.stdin.flush()
    answers = json.loads(server.stdout.readline())
    batch_time = time.perf_counter() - t0
    assert len(answers) == batch_size and all("result" in a for a in answers)
    t0 = time.perf_counter()
    everything = call("shortlist", {"all": True, "limit": 50, "rank_by": RANK_BY}, 99_999)
    all_time = time.perf_counter() - t0
    assert "result" in everything
    server.stdin.close()
    server.wait()
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(f"first request (loads creators, lists {len(products)} eligible products): {first * 1000:.0f} ms")
    print(f"batch of {batch_size} single-product requests: {batch_time:.2f} s ({batch_time / batch_size * 1000:.1f} ms each); "
          f"one shortlist with all: true ({len(products)} products): {all_time:.2f} s")
    mode = "from the published run" if FROM_RUN else f"rank_by {RANK_BY}"
    print(f"{count} warm single-product shortlists (k=50, {mode}): p50 {pct(0.5):.1f} ms, p90 {pct(0.9):.1f} ms, p99 {pct(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
