#!/usr/bin/env bash
# Rescore on 200,000 creators × 20,000 products × d = 64 (seeded demo data, generated and imported
# once into .build-bench-data/), k = 50, blended: the bare matcher on the same vectors
# (creatormatch-bench --vectors), a full rescore with every list written, a full rescore with
# nothing changed (those two REPEAT=3 times each: the median and the range), an incremental rescore
# on the next day with no new data, an incremental rescore
# after 1% of creators changed and a full one on that data from the same state (a copy of the
# database), all with --keep 3. Prints each run's phases, the ratio to the bare matcher, and what lies
# outside the run's own search phase (the blended matcher measured in the same run).
#   [REPEAT=3] Scripts/bench_rescore.sh [CREATORS] [PRODUCTS]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product creatormatch >&2
swift build -c release --product creatormatch-bench >&2
bindir="$(swift build -c release --show-bin-path)"
bin="$bindir/creatormatch"
creators="${1:-200000}"
products="${2:-20000}"
as_of="2026-11-25"
dir=".build-bench-data/rescore-$creators-x-$products"
db="$dir/rescore.sqlite"
mkdir -p "$dir"
if [ ! -f "$db" ]; then
  "$bin" demo --out "$dir/demo" --creators "$creators" --products "$products" --shops 40 --vector-dim 64 --as-of "$as_of" >&2
  for entity in shops products creators outcomes invitations; do
    "$bin" --db "$db" import "$entity" "$dir/demo/$entity.jsonl" >&2
  done
fi
# The bare matcher on the same vectors: every creator and product vector, in id order.
python3 Scripts/bench_rescore.py dump "$db" "$dir/vectors" 50
"$bindir/creatormatch-bench" --vectors "$dir/vectors" | tee "$dir/bench.txt"
bare=$(sed -n 's/.*RESULT .* topk_s=\([0-9.]*\).*/\1/p' "$dir/bench.txt")

# --keep 3 as a nightly job would run it (the database stays the same size run after run). Each run
# leaves its summary in $dir/<name>.json and its wall time and peak RSS in $dir/<name>.time.
repeat="${REPEAT:-3}"
run_on() { local on="$1" name="$2"; shift 2; /usr/bin/time -f "%e %M" -o "$dir/$name.time" "$bin" --db "$on" rescore --as-of "$as_of" --keep 3 --format json "$@" > "$dir/$name.json"; }
report() { python3 Scripts/bench_rescore.py report "$1" "$bare" "${@:2}"; }
# Every list written: the previous run had another k (--limit 49), so no list can be shared.
every=()
for i in $(seq "$repeat"); do run_on "$db" other --limit 49; run_on "$db" "every-$i"; every+=("$dir/every-$i"); done
report "full rescore, every list written" "${every[@]}"
same=()
for i in $(seq "$repeat"); do run_on "$db" "same-$i"; same+=("$dir/same-$i"); done
report "full rescore, nothing changed (lists shared)" "${same[@]}"
# The next night with no new data: the day moves eligibility windows and recent-invitation exclusions
# (on a copy, so the runs below stay on the same day).
rm -f "$dir/next.sqlite" "$dir/next.sqlite-wal" "$dir/next.sqlite-shm"
python3 -c "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()" "$db" "$dir/next.sqlite"
/usr/bin/time -f "%e %M" -o "$dir/next-day.time" "$bin" --db "$dir/next.sqlite" rescore --as-of "$(date -u -d "$as_of + 1 day" +%F)" --keep 3 --format json --incremental > "$dir/next-day.json"
report "incremental rescore the next day, no new data (a nightly run)" "$dir/next-day"
rm -f "$dir/next.sqlite" "$dir/next.sqlite-wal" "$dir/next.sqlite-shm"
python3 Scripts/bench_rescore.py perturb "$dir/demo/creators.jsonl" "$dir/changes.jsonl" 0.01 "$RANDOM"
"$bin" --db "$db" import creators "$dir/changes.jsonl" >&2
# The full run to compare with starts from the same state (a copy of the database), so it has the
# same lists to write as the incremental one.
rm -f "$dir/same.sqlite" "$dir/same.sqlite-wal" "$dir/same.sqlite-shm"
python3 -c "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()" "$db" "$dir/same.sqlite"
run_on "$db" incremental --incremental; report "incremental rescore after 1% of creators changed" "$dir/incremental"
run_on "$dir/same.sqlite" full-same; report "full rescore of the same data, from the same state (for comparison)" "$dir/full-same"
rm -f "$dir/same.sqlite" "$dir/same.sqlite-wal" "$dir/same.sqlite-shm"
# Interactive latency on the same market: warm single-product shortlists through the server.
python3 Scripts/bench_rescore.py serve "$bin" "$db" 100
