#!/usr/bin/env bash
# Installs what tests/browser/test_browser.py needs, only what is missing; a second run does nothing
# and takes well under a second. Usage: tests/browser/install.sh
#   Debian packages: chromium (the browser playwright-core drives: it never downloads one), and
#     nodejs/npm when `node`/`npm` are missing.
#   npm packages pinned in package-lock.json (playwright-core), installed with `npm ci` into
#     tests/browser/node_modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# --- Debian packages ------------------------------------------------------------------------------
missing=()
installed chromium || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
apt_install() {
  echo "browser: installing Debian packages: $*" >&2
  "$repo/scripts/apt.sh" update -qq >/dev/null 2>&1 || true
  "$repo/scripts/apt.sh" install -y -qq --no-install-recommends "$@" \
    >/tmp/fakes3-browser-apt.log 2>&1 || { cat /tmp/fakes3-browser-apt.log >&2; exit 1; }
}
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
# Node.js from a vendor package brings its own npm; Debian's nodejs does not.
command -v npm >/dev/null 2>&1 || apt_install npm

# --- npm packages, exactly as locked --------------------------------------------------------------
stamp="$here/node_modules/.fakes3-lock.sha256"
lock_sum="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "browser: npm ci in tests/browser" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/tmp/fakes3-browser-npm.log 2>&1) ||
    { cat /tmp/fakes3-browser-npm.log >&2; exit 1; }
  echo "$lock_sum" >"$stamp"
fi
