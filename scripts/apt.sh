#!/usr/bin/env bash
# apt-get that waits for another apt or dpkg to let go of its locks instead of failing.
# Usage: scripts/apt.sh update | scripts/apt.sh install [apt-get install options] PKG...
# apt-get fails at once ("Could not get lock ...") when another package manager runs; CI may run
# beside other work, so every install step of the project goes through here.
# FAKES3_APT_WAIT (seconds, default 900) bounds the wait.
set -uo pipefail
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
wait_s=${FAKES3_APT_WAIT:-900}
deadline=$((SECONDS + wait_s))
err=$(mktemp)
trap 'rm -f "$err"' EXIT
said=
while :; do
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=10 -q "$@" 2>"$err"
  rc=$?
  if [ "$rc" = 0 ]; then exit 0; fi
  if grep -qiE 'could not get lock|unable to lock|unable to acquire' "$err" && ((SECONDS < deadline)); then
    [ -n "$said" ] || echo "apt: waiting for the apt/dpkg lock held by another process" >&2
    said=1
    sleep 2
    continue
  fi
  cat "$err" >&2
  exit "$rc"
done
