#!/bin/sh
# Installs the Debian packages named as arguments, only if some are missing (apt-get update
# first, as a fresh machine's package lists may be empty). Used by demo.sh and test.sh.
set -eu
missing=""
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A failed index (a mirror mid-sync, often only a foreign architecture's) must not stop the install:
# apt-get install below fails by itself if a package it needs is really missing.
apt-get update -q || echo "install-deps: apt-get update reported errors (above); installing anyway" >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
