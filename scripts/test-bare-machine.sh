#!/usr/bin/env bash
# Proves the promise "outside CI, npm test passes on a machine with only Node and python3, and
# with Docker installed but its daemon stopped": runs the README's test command (not in CI mode)
# inside a container that has Debian's python3 and Node 22 and nothing else: no Docker daemon, no
# pydicom, dcm2niix, CMake or Chromium, no network. Every test that needs one of those must skip
# with a recorded reason (test/support/requirements.ts), and the rest must pass.
# Usage: bash scripts/test-bare-machine.sh [log file]   (needs Docker and debootstrap here)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
# The copy below takes this checkout's node_modules: a fresh clone has none yet.
source scripts/ensure-node-modules.sh
LOG="${1:-/tmp/mhub-bare-machine.log}"
IMAGE="mhub-test/bare:bookworm-python3"

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  root="$(mktemp -d /tmp/mhub-bare.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  echo "bare machine: debootstrap bookworm (minbase + python3) ..."
  debootstrap --variant=minbase --include=python3 bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$root.log" 2>&1 || { tail -n 20 "$root.log" >&2; exit 1; }
  rm -f "$root.log"
  tar -C "$root" -c . | docker import --change 'ENV LANG=C.UTF-8' - "$IMAGE" >/dev/null
fi

# A copy of the working tree (tracked and untracked-not-ignored files) with its node_modules:
# the tests write caches and build outputs into the repository.
work="$(mktemp -d /tmp/mhub-bare-work.XXXXXX)"
name="mhub-bare-machine-$$"
# A timed-out `docker run` client leaves its container running: remove it by name.
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git ls-files -z --cached --others --exclude-standard | xargs -0 cp -a --parents -t "$work" 2>/dev/null || true
rm -rf "$work/node_modules" && cp -a "$(readlink -f node_modules)" "$work/node_modules"
# There is no network in there: the node_modules installed here from this lockfile must count
# as up to date for scripts/test.sh (it compares modification times, which copies disturb).
touch "$work/node_modules/.package-lock.json"
# Node 22 (from ensure-node) with this machine's npm: what a Node install gives a user.
node_dir="$(dirname "$(dirname "$(command -v node)")")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
mkdir -p "$work/.bare-bin"
printf '#!/bin/sh\nexec node /opt/npm/bin/npm-cli.js "$@"\n' >"$work/.bare-bin/npm"
printf '#!/bin/sh\nexec node /opt/npm/bin/npx-cli.js "$@"\n' >"$work/.bare-bin/npx"
chmod +x "$work/.bare-bin/npm" "$work/.bare-bin/npx"

echo "bare machine: npm test in $IMAGE (log: $LOG)"
set +e
# ../shared (the reference data beside every checkout) comes along read-only, as /shared.
# Bounded: a test that waits on the network it cannot have must fail here, not hang CI.
timeout --kill-after=30 1200 docker run --rm --name "$name" --network none \
  -v "$(cd .. && pwd)/shared:/shared:ro" -v "$work:/repo" -v "$node_dir:/opt/node:ro" -v "$npm_dir:/opt/npm:ro" -w /repo \
  -e PATH=/repo/.bare-bin:/opt/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  -e HOME=/tmp -e CI= \
  "$IMAGE" bash scripts/test.sh >"$LOG" 2>&1
rc=$?
set -e
sed -n '/^Skipped [0-9]* tests:/,$p' "$LOG" | tail -n 40
[ "$rc" -eq 0 ] || { echo "bare machine: npm test failed (exit $rc); see $LOG" >&2; exit 1; }
echo "bare machine: npm test passed with only Node and python3"
