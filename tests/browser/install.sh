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
tag=browser
# shellcheck source-path=SCRIPTDIR source=../install_common.sh
. "$here/../install_common.sh"

# --- Debian packages ------------------------------------------------------------------------------
missing=()
installed chromium || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
ensure_npm

# --- npm packages, exactly as locked --------------------------------------------------------------
npm_ci_locked "$here"
