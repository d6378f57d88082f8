#!/usr/bin/env bash
# CI setup for the catalog site's browser tests: Debian's Chromium (driven by playwright-core;
# never a downloaded browser), and WordNet 3.0 (wordnet-base), from which the search synonyms
# table is regenerated and compared (test/site/search-synonyms.test.ts). Idempotent; fails
# loudly when it cannot install them.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/wordnet/data.noun ]; then
  echo "ci/site: installing chromium and wordnet-base"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core wordnet-base >/dev/null
fi
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "ci/site: /usr/bin/chromium does not run" >&2; exit 1; }
echo "ci/site: $(/usr/bin/chromium --version 2>/dev/null)"
[ -f /usr/share/wordnet/data.noun ] || { echo "ci/site: wordnet-base did not install /usr/share/wordnet" >&2; exit 1; }
