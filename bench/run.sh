#!/usr/bin/env bash
# make bench: prints fakes3's figures. Needs build/fakes3; installs wrk if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }
exec /usr/bin/python3 bench/bench.py "$@"
