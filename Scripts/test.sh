#!/usr/bin/env bash
# Installs what is missing, builds everything (the CLI tests run the built binary) and runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
