# shellcheck shell=bash
# Sourced by tests/browser/install.sh and tests/clients/install.sh: what both need to install only
# what is missing. The sourcing script sets `repo` (the checkout) and `tag` (its log prefix and the
# name in its /tmp/fakes3-<tag>-*.log files) first.
: "${repo:?}" "${tag:?}"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# apt_install PKG...: installs the Debian packages, showing apt's output only when it fails.
apt_install() {
  echo "$tag: installing Debian packages: $*" >&2
  "$repo/scripts/apt.sh" update -qq >/dev/null 2>&1 || true
  "$repo/scripts/apt.sh" install -y -qq --no-install-recommends "$@" \
    >"/tmp/fakes3-$tag-apt.log" 2>&1 || { cat "/tmp/fakes3-$tag-apt.log" >&2; exit 1; }
}

# ensure_npm: Node.js from a vendor package brings its own npm; Debian's nodejs does not.
ensure_npm() { command -v npm >/dev/null 2>&1 || apt_install npm; }

# npm_ci_locked DIR: the npm packages of DIR/package-lock.json, exactly as locked, into
# DIR/node_modules; again only when the lock file changed since (a stamp holds its sha256).
npm_ci_locked() {
  local dir="$1"
  local stamp="$dir/node_modules/.fakes3-lock.sha256"
  local lock_sum
  lock_sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "$tag: npm ci in ${dir#"$repo"/}" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >"/tmp/fakes3-$tag-npm.log" 2>&1) ||
      { cat "/tmp/fakes3-$tag-npm.log" >&2; exit 1; }
    echo "$lock_sum" >"$stamp"
  fi
}
