#!/usr/bin/env bash
# Installs the system libraries CreatorMatch links (SQLite, OpenBLAS), and Python 3 for the scripts'
# checks, when they are missing.
set -euo pipefail

missing=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
dpkg -s libopenblas-dev >/dev/null 2>&1 || missing+=(libopenblas-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
# The black-box checks and benchmark helpers are Python 3 (standard library only, sqlite3 included).
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH; install the Swift 6.x toolchain" >&2; exit 1; }
