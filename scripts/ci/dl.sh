#!/usr/bin/env bash
# CI setup for the deep-learning reference model (models/unet_ct), idempotent:
# its Python venv (torch CPU, from the local pip index, reused by requirements hash) and its
# Docker image (reused by a hash of sources, weights, requirements and base image).
# Needs the Docker daemon and python3.11 with venv; fails loudly when either is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The Docker daemon is started by the runner's setup; CI runs the scripts in name order, so
# run it first when the daemon is not up yet (it is idempotent).
if ! docker info >/dev/null 2>&1 && [[ -f scripts/ci/runner.sh ]]; then
  bash scripts/ci/runner.sh
fi
docker info >/dev/null 2>&1 || { echo "ci/dl: the Docker daemon is not reachable" >&2; exit 1; }

python3 -c 'import venv, ensurepip' 2>/dev/null || {
  apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
}

started=$(date +%s)
venv="$(bash models/unet_ct/ensure-venv.sh)"
echo "ci/dl: unet_ct venv ready: $venv ($(( $(date +%s) - started ))s)"
started=$(date +%s)
image="$(bash models/unet_ct/build-image.sh)"
echo "ci/dl: unet_ct image ready: $image ($(( $(date +%s) - started ))s)"
