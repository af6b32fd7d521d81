#!/bin/sh
# SPDX-License-Identifier: MIT
# test-k8s-manifest: runs tests/k8s/check_manifest.py with Debian's python3 and python3-yaml,
# installing them first when root (CI) and they are missing. Not root and missing: skip (77).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    sh "$here/scripts/install-deps.sh" python3 python3-yaml
  else
    echo "test-k8s-manifest: SKIP: needs Debian's python3-yaml (apt-get install python3-yaml)" >&2
    exit 77
  fi
fi
# Debian's python3, not whatever python3 comes first in PATH (a pyenv one lacks python3-yaml).
exec /usr/bin/python3 "$here/tests/k8s/check_manifest.py" "$here"
