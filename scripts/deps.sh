#!/usr/bin/env bash
# Installs the Debian packages fakes3 needs, only those missing. Usage: deps.sh build|test|all
set -euo pipefail
build_pkgs=(gcc make pkg-config libmicrohttpd-dev libsqlite3-dev nettle-dev libgnutls28-dev
  libexpat1-dev libisal-dev libcmocka-dev libjansson-dev)
# python3-pip, -setuptools, -wheel: tests/clients builds the pytest plugin (clients/python) offline.
# prometheus: tests/integration/test_prometheus.py scrapes /_fakes3/metrics with a real one.
test_pkgs=(clang-format clang python3 python3-crcmod python3-pytest python3-boto3 s3cmd curl iproute2 procps openssl chromium
  python3-pip python3-setuptools python3-wheel prometheus)
case "${1:-all}" in
  build) want=("${build_pkgs[@]}") ;;
  test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The aws CLI: the machine image ships one (pyenv); fall back to Debian's.
if [ "${1:-all}" != build ] && ! command -v aws >/dev/null 2>&1; then missing+=(awscli); fi
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  "$(dirname "$0")/apt.sh" update -qq >/dev/null || true
  "$(dirname "$0")/apt.sh" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
