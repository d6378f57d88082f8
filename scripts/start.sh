#!/usr/bin/env bash
# `npm start`, the main job: install if needed, validate the registry, write the index to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
[ -d node_modules/.bin ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
node bin/mhub.js registry validate
node bin/mhub.js registry index --out out/index
