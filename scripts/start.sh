#!/usr/bin/env bash
# `npm start`, the main job: install if needed, validate the registry, write the index to out/,
# build the catalog site into site/dist and serve it on 127.0.0.1 (PORT, default 4321; set
# MHUB_NO_SERVE=1 to build without serving).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
[ -d node_modules/.bin ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
node bin/mhub.js registry validate
node bin/mhub.js registry index --out out/index
node bin/mhub.js site build
[ -n "${MHUB_NO_SERVE:-}" ] || exec node bin/mhub.js site serve
