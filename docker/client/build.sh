#!/usr/bin/env bash
# Builds the s3cmd client image localhost/fakes3-s3cmd:latest without pulling anything: a Debian
# bookworm minbase root file system with s3cmd (debootstrap), imported as an image.
# Usage: docker/client/build.sh ENGINE CACHE_DIR      (ENGINE: podman or docker)
# The root file system tarball is cached as CACHE_DIR/client-rootfs.tar (delete it to rebuild from
# the Debian mirror); the image is imported again only when it is missing or older than the tarball.
set -euo pipefail
engine=${1:?engine (podman or docker)}
cache=${2:?cache dir}
image=${FAKES3_CLIENT_IMAGE:-localhost/fakes3-s3cmd:latest}
tarball=$cache/client-rootfs.tar
# The mirror apt already uses on this machine, else Debian's default.
mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' \
  /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { echo "client: debootstrap is not installed" >&2; exit 1; }
  rootfs=$cache/client-rootfs.tmp
  rm -rf "$rootfs"
  echo "client: debootstrap bookworm + s3cmd from $mirror (about a minute, once)" >&2
  debootstrap --variant=minbase --include=s3cmd bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -n 20 "$cache/debootstrap.log" >&2
    exit 1
  }
  # Nothing the image needs: downloaded packages, package lists, device nodes (the runtime makes them).
  rm -rf "${rootfs:?}"/var/cache/apt/archives/*.deb "${rootfs:?}"/var/lib/apt/lists/* "${rootfs:?}"/dev/*
  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$rootfs"
fi
# Import only when the tarball is newer than the image made from it: a re-import would leave the
# previous image behind, untagged, on every run.
stamp=$cache/client-image.id
id=$("$engine" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ -n "$id" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id" ] && [ "$stamp" -nt "$tarball" ]; then
  echo "client: $image is up to date"
  exit 0
fi
quiet=(); [ "$engine" = podman ] && quiet=(--quiet)
"$engine" import "${quiet[@]}" \
  --change 'WORKDIR /root' \
  --change 'ENV HOME=/root' \
  --change 'CMD ["sleep", "infinity"]' \
  "$tarball" "$image" >/dev/null
new=$("$engine" image inspect --format '{{.Id}}' "$image")
echo "$new" >"$stamp"
# The image this one replaces, unless a container still uses it.
if [ -n "$id" ] && [ "$id" != "$new" ]; then "$engine" rmi "$id" >/dev/null 2>&1 || true; fi
echo "client: built $image"
