#!/usr/bin/env bash
# Builds the unet_ct image (mhub-registry/unet_ct:1.0.0) on the local base image, without
# network inside the build: the pinned wheels are fetched here (local pip index / /opt/wheels,
# hashes checked) into a temporary build context. Reused when the image's mhub.source-hash
# label matches the sources, weights, requirements and base image; --force rebuilds without
# Docker's layer cache (to time a first build).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODELS="$(dirname "$HERE")"
TAG="${UNET_CT_IMAGE:-mhub-registry/unet_ct:1.0.0}"
BASE="${MHUB_BASE_IMAGE:-mhub-runner/base:bookworm-py3}"
bash "$MODELS/base/build-base.sh" >&2
base_id="$(docker image inspect -f '{{.Id}}' "$BASE")"
hash="$( (cd "$MODELS" && find unet_ct/unet_ct unet_ct/weights classical_ct/classical_ct -type f ! -name '*.pyc' \
  -print0 | sort -z | xargs -0 sha256sum; sha256sum unet_ct/Dockerfile unet_ct/*requirements.txt; echo "$base_id") \
  | sha256sum | cut -c1-16)"
if [[ "${1:-}" != --force ]] && docker image inspect "$TAG" >/dev/null 2>&1 \
  && [[ "$(docker image inspect -f '{{index .Config.Labels "mhub.source-hash"}}' "$TAG")" == "$hash" ]]; then
  echo "image $TAG is up to date: reused" >&2
  echo "$TAG"
  exit 0
fi
CTX="$(mktemp -d /tmp/unet_ct-build.XXXXXX)"
trap 'rm -rf "$CTX"' EXIT
started=$(date +%s)
mkdir -p "$CTX/wheels"
PIP_RETRIES=0 python3 -m pip download -q --no-deps --require-hashes --only-binary=:all: \
  -r "$HERE/requirements.txt" -r "$HERE/build-requirements.txt" -d "$CTX/wheels" >&2
cp -r "$HERE/unet_ct" "$HERE/weights" "$HERE/requirements.txt" "$HERE/build-requirements.txt" "$HERE/Dockerfile" "$CTX/"
cp -r "$MODELS/classical_ct/classical_ct" "$CTX/classical_ct"
find "$CTX" -name __pycache__ -prune -exec rm -rf {} +
old_id="$(docker image inspect -f '{{.Id}}' "$TAG" 2>/dev/null || true)"
no_cache=()
[[ "${1:-}" == --force ]] && no_cache=(--no-cache)
docker build -q "${no_cache[@]}" --network none --build-arg BASE="$BASE" --label "mhub.source-hash=$hash" \
  -t "$TAG" "$CTX" >/dev/null
# Leave no untagged leftovers of ours: the previous image under this tag and the deps stage.
new_id="$(docker image inspect -f '{{.Id}}' "$TAG")"
[[ -n "$old_id" && "$old_id" != "$new_id" ]] && docker image rm "$old_id" >/dev/null 2>&1 || true
docker image prune -f --filter label=mhub.stage=unet_ct-deps >/dev/null
echo "built image $TAG in $(( $(date +%s) - started ))s" >&2
echo "$TAG"
