#!/usr/bin/env bash
# Builds the local base image for the reference models: Debian bookworm (minbase) with
# python3, numpy and pydicom from Debian's own packages, imported with `docker import`.
# No container registry is reachable here, so this is how every test image gets a base.
# Reused by tag: when the image already exists nothing is done (pass --force to rebuild).
set -euo pipefail

TAG="${MHUB_BASE_IMAGE:-mhub-runner/base:bookworm-py3}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="python3,python3-numpy,python3-pydicom"

if [[ "${1:-}" != "--force" ]] && docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "base image $TAG exists: reused"
  exit 0
fi

command -v debootstrap >/dev/null || { apt-get install -y --no-install-recommends debootstrap >/dev/null; }

ROOT="$(mktemp -d /tmp/mhub-base.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
echo "debootstrap bookworm (minbase + $PACKAGES) into $ROOT ..."
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || {
  tail -n 30 "$ROOT.log" >&2
  echo "debootstrap failed: see $ROOT.log" >&2
  exit 1
}
# Trim what a runtime image never needs (apt lists, docs, caches) to keep the image small.
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/usr/share/doc/* \
  "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/* "$ROOT"/var/log/*
tar -C "$ROOT" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
  --change 'CMD ["/bin/bash"]' \
  - "$TAG" >/dev/null
rm -f "$ROOT.log"
echo "built base image $TAG"
