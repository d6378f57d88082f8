#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environment of unet_ct and prints its path on stdout.
# The folder is keyed by the hash of requirements.txt, so a changed pin gets a fresh venv and
# an unchanged one is reused: ~/.cache/mhub/dev-venvs/unet_ct-<hash16>, outside the checkout so
# every clone (and CI) shares it (override the root: MHUB_VENV_CACHE).
# pip installs from the local index / /opt/wheels only (--require-hashes, --no-deps: every
# dependency is pinned in the file).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REQ="$HERE/requirements.txt"
KEY="$(sha256sum "$REQ" | cut -c1-16)"
CACHE="${MHUB_VENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mhub/dev-venvs}"
VENV="$CACHE/unet_ct-$KEY"
if [[ -f "$VENV/.complete" ]]; then
  echo "$VENV"
  exit 0
fi
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || {
  echo "unet_ct needs CPython 3.11 (the pinned wheels are cp311); $PY is $("$PY" --version 2>&1)" >&2
  exit 1
}
rm -rf "$VENV" "$VENV.partial"
mkdir -p "$CACHE"
started=$(date +%s)
"$PY" -m venv "$VENV.partial" >&2
# No retries: only the local index answers here; a missing wheel should fail fast.
PIP_RETRIES=0 "$VENV.partial/bin/pip" install -q --no-deps --require-hashes --only-binary=:all: -r "$REQ" >&2
mv "$VENV.partial" "$VENV"
# venv scripts carry the folder name in their shebangs; the model is run as `python -m`, so
# only bin/python matters and it is a symlink that survives the rename.
touch "$VENV/.complete"
echo "unet_ct venv installed in $(( $(date +%s) - started ))s: $VENV" >&2
echo "$VENV"
