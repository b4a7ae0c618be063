#!/usr/bin/env bash
# Release-mode matcher benchmark: creatormatch-bench on seeded data (both issue shapes), then —
# unless --no-compare — FAISS IndexFlatIP and numpy on the very same matrices in a throwaway venv
# (faiss-cpu and numpy from PyPI), and a table of ratios. Figures go to stdout.
#   Scripts/bench.sh [--quick] [--no-compare] [extra creatormatch-bench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product creatormatch-bench >&2
bench="$(swift build -c release --show-bin-path)/creatormatch-bench"

compare=1
args=()
for a in "$@"; do
  case "$a" in
    --no-compare) compare=0 ;;
    *) args+=("$a") ;;
  esac
done
threads=$(nproc)
dump=""
if [ "$compare" = 1 ]; then
  dump="$(mktemp -d /tmp/creatormatch-bench.XXXXXX)"
  trap 'rm -rf "$dump"' EXIT
  args+=(--dump "$dump")
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%F)"
"$bench" --threads "$threads" ${args[@]+"${args[@]}"} | tee "${dump:-/tmp}/swift.txt"

[ "$compare" = 1 ] || exit 0
venv=".build-bench-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q faiss-cpu numpy >&2
fi
echo
echo "FAISS IndexFlatIP and numpy (blocked matmul + argpartition), $threads threads, same matrices:"
OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" "$venv/bin/python" Scripts/bench_compare.py "$dump" "$threads" | tee "$dump/python.txt"
echo
echo "shape                 creatormatch  (float32 filter)  FAISS     numpy     FAISS/creatormatch  numpy/creatormatch"
for shape in $(sed -n 's/^RESULT \([^ ]*\) topk_s=.*/\1/p' "$dump/swift.txt"); do
  ours=$(sed -n "s/^RESULT $shape topk_s=\([0-9.]*\).*/\1/p" "$dump/swift.txt")
  ours32=$(sed -n "s/^RESULT $shape .*topk_float32_s=\([0-9.]*\).*/\1/p" "$dump/swift.txt")
  faiss=$(sed -n "s/^RESULT $shape faiss_s=\([0-9.]*\).*/\1/p" "$dump/python.txt")
  numpy=$(sed -n "s/^RESULT $shape numpy_s=\([0-9.]*\).*/\1/p" "$dump/python.txt")
  awk -v s="$shape" -v o="$ours" -v o32="$ours32" -v f="$faiss" -v n="$numpy" 'BEGIN { printf "%-21s %8.3f s    %8.3f s      %6.3f s  %6.3f s  %8.2fx           %8.2fx\n", s, o, o32, f, n, f/o, n/o }'
done
