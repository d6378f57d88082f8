#!/usr/bin/env bash
# CI setup for the contribution tools: the wizard's pseudo-terminal test drives the CLI with
# python3's pty module. Idempotent; fails loudly when python3 cannot be had.
set -euo pipefail
if ! command -v python3 >/dev/null 2>&1; then
  echo "ci/contrib: installing python3"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 >/dev/null
fi
python3 -c 'import pty, termios, fcntl' || { echo "ci/contrib: python3 lacks the pty module" >&2; exit 1; }
echo "ci/contrib: $(python3 --version) with pty"
