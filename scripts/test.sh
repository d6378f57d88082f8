#!/usr/bin/env bash
# `npm test`: install if needed, then typecheck, lint and every test suite. Ends with vitest's
# plain closing line `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
source scripts/ensure-node-modules.sh
echo "== typecheck" && npx tsc -p . && npx tsc -p site
echo "== generated files up to date" && node scripts/gen-types.ts --check && node scripts/gen-contract.ts --check && node scripts/gen-validators.ts --check
echo "== lint" && npx biome check . && node scripts/check-imports.ts
# the closing line also fails the run when a container with the project's labels outlived it
echo "== tests" && MHUB_CHECK_LEFTOVERS=1 npx vitest run "$@"
