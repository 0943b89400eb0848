#!/usr/bin/env bash
# Installs what tests/clients/test_clients*.py need, only what is missing; a second run does
# nothing and takes about a second. Usage: tests/clients/install.sh
#   Debian packages: rclone, s3fs (+ fuse3), s3cmd, python3-boto3 (boto3 1.26), python3-pytest,
#     golang-go + golang-github-minio-minio-go-v7-dev (minio-go 7.0.46 source), iproute2, and
#     nodejs/npm when `node`/`npm` are missing.
#   npm packages pinned in js/package-lock.json (@aws-sdk/client-s3, @aws-sdk/lib-storage,
#     @aws-sdk/s3-request-presigner, minio),
#     installed with `npm ci` into js/node_modules.
#   The minio-go program, built offline (GOPATH mode against Debian's source) into build/clients/.
#   The aws CLI 1.45 and boto3 1.43 come with the machine image (pyenv python3); if there is no
#   `aws` at all, Debian's awscli is installed instead, as scripts/deps.sh does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tag=clients
# shellcheck source-path=SCRIPTDIR source=../install_common.sh
. "$here/../install_common.sh"

# --- Debian packages ------------------------------------------------------------------------------
want=(rclone s3fs fuse3 s3cmd python3-boto3 python3-pytest golang-go
  golang-github-minio-minio-go-v7-dev iproute2 util-linux)
missing=()
for p in "${want[@]}"; do installed "$p" || missing+=("$p"); done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v aws >/dev/null 2>&1 || missing+=(awscli)
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
ensure_npm

# --- npm packages, exactly as locked --------------------------------------------------------------
npm_ci_locked "$here/js"

# --- the minio-go program -------------------------------------------------------------------------
src="$here/go/minio_go_workflow.go"
bin="$repo/build/clients/minio_go_workflow"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
  echo "clients: go build $bin" >&2
  mkdir -p "$repo/build/clients"
  (cd "$here/go" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off \
    GOCACHE="$repo/build/clients/go-cache" go build -o "$bin.tmp" "$src")
  mv -f "$bin.tmp" "$bin"
fi

# --- what cannot be installed from here -----------------------------------------------------------
# boto3 1.43 lives in the pyenv python3 of the machine image (PyPI is not reachable).
if ! python3 -c 'import boto3' >/dev/null 2>&1; then
  echo "clients: warning: the python3 on PATH has no boto3; test_boto3_pyenv will fail" >&2
fi
