#!/usr/bin/env bash
# Installs what is missing, builds everything (the CLI tests run the built binary), runs the tests,
# replays the fuzz corpus (every input a fuzz run ever saved, under 1 s; fuzzing itself is
# Scripts/fuzz.sh, whose ASan build alone takes ~2 min, so it is not run here), then checks incremental
# rescoring against full rescoring from outside, through the built binary, on seeded random change
# sets (Scripts/check_incremental.py; fixed seeds, so a failure reproduces).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
bin="$(swift build --show-bin-path)/creatormatch"
"$(swift build --show-bin-path)/creatormatch-fuzz" --corpus Tests/Fuzz/Corpus
for seed in 1 2 3; do
  python3 Scripts/check_incremental.py "$bin" --rounds 8 --seed "$seed"
done
