#!/usr/bin/env bash
# CI setup for the catalog site's browser tests: Debian's Chromium (driven by playwright-core;
# never a downloaded browser). Idempotent; fails loudly when it cannot install it.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ]; then
  echo "ci/site: installing chromium"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "ci/site: /usr/bin/chromium does not run" >&2; exit 1; }
echo "ci/site: $(/usr/bin/chromium --version 2>/dev/null)"
