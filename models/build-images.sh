#!/usr/bin/env bash
# Builds the reference model images on the local base image (reused by tag; pass --force to
# rebuild). Image tags are fixed: tests and the Slicer launcher rely on them.
set -euo pipefail
cd "$(dirname "$0")"
bash base/build-base.sh ${1:-}
FORCE="${FORCE:-}"
[[ "${1:-}" == --force ]] && FORCE=1
BASE="${MHUB_BASE_IMAGE:-mhub-runner/base:bookworm-py3}"
build() { # tag dockerfile context
  if [[ "$FORCE" != 1 ]] && docker image inspect "$1" >/dev/null 2>&1 \
    && [[ "$(docker image inspect -f '{{index .Config.Labels "mhub.source-hash"}}' "$1")" == "$4" ]]; then
    echo "image $1 is up to date: reused"
    return
  fi
  docker build -q --build-arg BASE="$BASE" --label "mhub.source-hash=$4" -t "$1" -f "$2" "$3" >/dev/null 2>&1 \
    || docker build --build-arg BASE="$BASE" --label "mhub.source-hash=$4" -t "$1" -f "$2" "$3"
  echo "built image $1"
}
# Rebuild when the model's sources change, not only when the tag is missing (tests/ holds the
# committed test sample and reference, which are not in the image).
hash_of() { find "$@" -type f ! -name '*.pyc' ! -path '*/tests/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16; }
build mhub-registry/classical_ct:1.0.0 classical_ct/Dockerfile classical_ct "$(hash_of classical_ct)"
if [[ -f classical_ct_mhub/Dockerfile ]]; then
  build mhub-registry/classical_ct_mhub:1.0.0 classical_ct_mhub/Dockerfile . "$(hash_of classical_ct classical_ct_mhub)"
fi
