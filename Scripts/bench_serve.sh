#!/usr/bin/env bash
# Warm `serve` latency on 1,000,000 creators × 128 dimensions and 2,000 products (seeded demo data,
# generated and imported once into .build-bench-data/). Prints p50/p90/p99 of single-product
# shortlists (similarity, then blended) and batch throughput.
#   Scripts/bench_serve.sh [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product creatormatch >&2
bin="$(swift build -c release --show-bin-path)/creatormatch"
dir=".build-bench-data"
db="$dir/serve-1M.sqlite"
as_of="2026-11-25"
if [ ! -f "$db" ]; then
  mkdir -p "$dir"
  "$bin" demo --out "$dir/demo-1M" --creators 1000000 --vector-dim 128 --products 2000 --shops 20 --as-of "$as_of" >&2
  for entity in shops products creators outcomes invitations; do
    "$bin" --db "$db" import "$entity" "$dir/demo-1M/$entity.jsonl" >&2
  done
  rm -rf "$dir/demo-1M"
fi
for rank_by in similarity blended; do
  RANK_BY=$rank_by python3 Scripts/bench_serve.py "$bin" "$db" "${1:-200}" "$as_of"
done
"$bin" --db "$db" rescore --as-of "$as_of" --keep 2 --quiet
FROM_RUN=1 python3 Scripts/bench_serve.py "$bin" "$db" "${1:-200}" "$as_of"
