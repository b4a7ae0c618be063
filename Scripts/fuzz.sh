#!/usr/bin/env bash
# Fuzzes every reader of outside bytes with libFuzzer and AddressSanitizer, each target for a bounded
# time, starting from the committed corpus (Tests/Fuzz/Corpus/<target>/):
#
#   Scripts/fuzz.sh [TARGET|all] [SECONDS]     targets: json records rpc ranked-list entry-cards
#
# The fuzz build has its own scratch folder (.build-libfuzzer), so it never disturbs the ordinary one.
# Inputs that reach new code go to .build-libfuzzer/corpus/<target>/ (not committed; copy the useful
# ones into the corpus). A crash, or a broken check, stops that target: the input is saved as
# .build-libfuzzer/crashes/<target>/crash-…; give it a name that says what it does, put it in the
# corpus (the ordinary build replays the corpus in Scripts/test.sh, so it stays fixed) and fix the
# code. Extra libFuzzer flags can be passed in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-max_len=65536").
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(json records rpc ranked-list entry-cards)
target="${1:-all}"
seconds="${2:-60}"
if [ "$target" = all ]; then
  targets=("${all_targets[@]}")
elif [[ " ${all_targets[*]} " == *" $target "* ]]; then
  targets=("$target")
else
  echo "unknown fuzz target \"$target\"; use one of: all ${all_targets[*]}" >&2
  exit 2
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "SECONDS must be a whole number, got \"$seconds\"" >&2; exit 2; }

Scripts/setup.sh
scratch=.build-libfuzzer
# SwiftPM's --sanitize=fuzzer keeps libFuzzer's main (no entry-point renaming); the instrumentation
# comes from one -Xswiftc -sanitize=fuzzer,address, given last. (--sanitize=fuzzer --sanitize=address
# became two -sanitize= flags in no fixed order of which the Swift driver kept one: a build came out
# with ASan but without coverage.)
build=(swift build --scratch-path "$scratch" --product creatormatch-fuzz --sanitize=fuzzer
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DCREATORMATCH_LIBFUZZER)
# gold warns once per ASan helper symbol; the warnings say nothing about this code.
"${build[@]}" 2>&1 | { grep -v "Cannot export local symbol" || true; }
bin="$("${build[@]}" --show-bin-path)/creatormatch-fuzz"
# Swift's own crash reporter reads memory ASan then flags; libFuzzer and ASan report the crash instead.
export SWIFT_BACKTRACE=enable=no
symbolizer="$(dirname "$(readlink -f "$(command -v swift)")")/llvm-symbolizer"
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

# Without coverage libFuzzer only guesses: refuse a build whose Swift code is not instrumented.
counters="$("$bin" --target=json -runs=0 Tests/Fuzz/Corpus/json 2>&1 | sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' || true)"
counters="${counters%%$'\n'*}"
if [ "${counters:-0}" -lt 10000 ]; then
  echo "the fuzz build has ${counters:-no} coverage counters; the Swift code is not instrumented (delete $scratch and rerun)" >&2
  exit 1
fi

failed=()
for t in "${targets[@]}"; do
  work="$scratch/corpus/$t"
  crashes="$scratch/crashes/$t"
  mkdir -p "$work" "$crashes"
  echo "== fuzzing $t for ${seconds}s" >&2
  # The first corpus folder receives new inputs; the committed one is only read.
  # shellcheck disable=SC2086
  if ! "$bin" --target="$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$crashes/" ${FUZZ_FLAGS:-} "$work" "Tests/Fuzz/Corpus/$t"; then
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found inputs that crash or break a check in: ${failed[*]} (see $scratch/crashes/)" >&2
  exit 1
fi
echo "fuzzing found nothing in ${targets[*]} (${seconds}s each)" >&2
