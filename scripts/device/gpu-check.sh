#!/usr/bin/env bash
# Prepared check for a machine with an NVIDIA GPU (issue 16, part 5). NOT RUN YET: no GPU
# machine was available to the session that wrote it. What it does:
#   1. checks nvidia-smi and Docker's NVIDIA runtime;
#   2. builds the reference images (models/build-images.sh, models/unet_ct/build-image.sh);
#   3. writes the large classical_ct phantom (256 x 192 x 160) inside the classical_ct image;
#   4. runs unet_ct on it through `mhub run` with --gpu off and --gpu on (Docker DeviceRequests),
#      timing each and sampling peak GPU memory with nvidia-smi while the GPU run lasts;
#   5. compares the two label maps with the comparison `mhub test` makes (per-segment Dice >= 0.99).
# The model must say which device it used in its progress output ("cuda" / "cpu"); when the GPU
# run names no CUDA device the check fails with that reason (unet_ct's CUDA path is issue 16's
# part 5, not done when this script was written).
# Usage: bash scripts/device/gpu-check.sh [workdir]   (prints a small report; exit 0 = all good)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK="${1:-$(mktemp -d /tmp/mhub-gpu-check-XXXXXX)}"
mkdir -p "$WORK"
source scripts/ensure-node.sh >/dev/null
fail() { echo "gpu-check: FAILED: $*" >&2; exit 1; }

command -v nvidia-smi >/dev/null || fail "nvidia-smi not found: not a GPU machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
docker info --format '{{json .Runtimes}}' | grep -q nvidia \
  || echo "gpu-check: warning: Docker lists no nvidia runtime; DeviceRequests need the NVIDIA container toolkit"

bash models/build-images.sh >/dev/null
bash models/unet_ct/build-image.sh >/dev/null

docker run --rm -u "$(id -u):$(id -g)" -v "$WORK:/out" -e PYTHONDONTWRITEBYTECODE=1 \
  --entrypoint python3 mhub-registry/classical_ct:1.0.0 -m classical_ct.phantom /out/phantom --size large
echo "phantom: $WORK/phantom/ct.nii.gz"

run() { # mode -> seconds on stdout; the run's log in $WORK/<mode>.log
  local mode=$1 start end
  start=$(date +%s%N)
  node bin/mhub.js run unet_ct -i "$WORK/phantom/ct.nii.gz" -o "$WORK/out-$mode" --backend docker \
    --gpu "$mode" --force --json >"$WORK/$mode.json" 2>"$WORK/$mode.log" || { cat "$WORK/$mode.log" >&2; fail "unet_ct --gpu $mode"; }
  end=$(date +%s%N)
  local ms=$(((end - start) / 1000000))
  printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

cpu_s=$(run off)
peak_file="$WORK/gpu-memory.txt"
: >"$peak_file"
( while true; do nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits >>"$peak_file"; sleep 0.2; done ) &
sampler=$!
gpu_s=$(run on)
kill "$sampler" 2>/dev/null || true
peak_mib=$(sort -n "$peak_file" | tail -1)

echo "unet_ct on the large phantom: CPU ${cpu_s} s, GPU ${gpu_s} s, peak GPU memory ${peak_mib:-?} MiB (whole device)"
grep -qi cuda "$WORK/on.log" || fail "the GPU run's progress output names no CUDA device: unet_ct did not use the GPU"
node scripts/device/compare-labels.ts "$WORK/out-on/segmentation.nii.gz" "$WORK/out-off/segmentation.nii.gz" 0.99 \
  || fail "GPU and CPU label maps differ beyond Dice 0.99"
echo "gpu-check: passed (work folder $WORK)"
