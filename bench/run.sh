#!/usr/bin/env bash
# make bench: prints fakes3's figures. Needs build/fakes3; installs wrk if missing.
# BENCH=state bench/run.sh prints only the reset and snapshot figures; BENCH=console only the web
# console's first screen; BENCH=startup only start-up with 100,000 and 1,000,000 objects stored
# (OLD_BIN=path/to/fakes3 compares an older build on the same roots).
set -euo pipefail
cd "$(dirname "$0")/.."
# wrk drives GETs; nginx serving the same bytes is the baseline fakes3 is compared with.
for pkg in wrk nginx-light; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
    scripts/apt.sh install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 || true
done
exec /usr/bin/python3 bench/bench.py "$@"
