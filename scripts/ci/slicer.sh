#!/usr/bin/env bash
# CI setup for the Slicer generator's tests (idempotent): CMake and a C/C++ compiler (real CMake
# configures the generated extension against a FAKE Slicer package), Debian's python3 with numpy,
# nibabel, pydicom and venv (the FAKE Slicer, MHubLib and the contract test), and the reference
# model images (models/build-images.sh, shared with the runner; Docker setup is in runner.sh).
# Fails loudly: these suites never skip in CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

missing=()
for pkg in cmake make gcc g++ python3 python3-numpy python3-nibabel python3-pydicom python3-venv; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  [[ "$(id -u)" == 0 ]] || { echo "slicer.sh: installing ${missing[*]} needs root" >&2; exit 1; }
  echo "slicer.sh: installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
cmake --version | head -1
/usr/bin/python3 -c "import numpy, nibabel, pydicom, venv, ensurepip" \
  || { echo "slicer.sh: /usr/bin/python3 lacks numpy, nibabel, pydicom or venv" >&2; exit 1; }

if docker info >/dev/null 2>&1; then
  bash models/build-images.sh
else
  echo "slicer.sh: Docker is not running; run scripts/ci/runner.sh first" >&2
  exit 1
fi
