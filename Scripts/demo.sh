#!/usr/bin/env bash
# The main job on the embedded default: installs what is missing, builds in release, generates the
# seeded demo market, imports it into a SQLite file and prints the eligibility report.
# Usage: Scripts/demo.sh [DB_PATH]   (default: demo.sqlite; $CREATORMATCH_DEMO_SIZE=small|large)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product creatormatch >&2
bin="$(swift build -c release --show-bin-path)/creatormatch"

db="${1:-demo.sqlite}"
data="demo-data"
today="$(date -u +%F)"
rm -f "$db" "$db-wal" "$db-shm"

"$bin" demo --out "$data" --seed 7 --as-of "$today"
for entity in shops products creators outcomes invitations sample_requests; do
  "$bin" --db "$db" import "$entity" "$data/$entity.jsonl"
done
echo
"$bin" --db "$db" stats
echo
"$bin" --db "$db" eligibility --as-of "$today"
echo
# The seeded demo always has product p-000001 (an eligible one); show its invitation shortlist.
"$bin" --db "$db" shortlist --product p-000001 --limit 5 --as-of "$today"
echo
"$bin" --db "$db" commission --product p-000001 --as-of "$today"
echo
# The nightly job, then the seller's loop: today's sample requests and the last 30 days' report.
"$bin" --db "$db" rescore --as-of "$today"
echo
"$bin" --db "$db" samples triage --as-of "$today" > "$data/triage.txt"
sed -n 1,9p "$data/triage.txt"
echo "  … (all of it: $data/triage.txt)"
echo
"$bin" --db "$db" report --to "$today" --html demo-report.html > "$data/report.txt"
sed -n 1,12p "$data/report.txt"
echo "  … (all of it: $data/report.txt; the page with charts: demo-report.html)"
