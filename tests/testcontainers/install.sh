#!/usr/bin/env bash
# Installs what tests/testcontainers/ needs, only what is missing; a second run does nothing.
# Usage: tests/testcontainers/install.sh
#   Debian packages: nodejs/npm when `node`/`npm` are missing (Testcontainers 11 needs Node >= 20).
#   npm packages pinned in package-lock.json (testcontainers 11.14.0, @aws-sdk/client-s3 3.1173.0),
#     installed with `npm ci` into node_modules/. testcontainers 12.1 and later want Node >= 22.22;
#     11.14.0 is the newest release that supports the Node 20 of this machine.
# The container engine (podman and runc, or docker) is `make compose-deps`'s business.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tag=testcontainers
# shellcheck source-path=SCRIPTDIR source=../install_common.sh
. "$here/../install_common.sh"

command -v node >/dev/null 2>&1 || apt_install nodejs
ensure_npm
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 20)); then
  echo "$tag: node $(node --version) is too old: testcontainers 11 needs Node >= 20" >&2
  exit 1
fi
npm_ci_locked "$here"
