# Sourced (after scripts/ensure-node.sh): installs node_modules from the lockfile when it is
# missing or older than package-lock.json. npm test and the bare-machine run both need it, and a
# fresh clone (as CI has) has none.
[ -d node_modules/.bin ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
