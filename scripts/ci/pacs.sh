#!/usr/bin/env bash
# What the PACS tests (test/pacs) run against: Debian's Orthanc with its DICOMweb plugin. The tests
# start their own Orthanc on 127.0.0.1 with a config they write; the packaged service must not run
# (it would hold ports 4242/8042), so it is installed with service starts denied.
# Idempotent: installs only what is missing, and fails loudly when it cannot.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(orthanc orthanc-dicomweb dcmtk python3-pydicom curl)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "pacs.sh: installing ${missing[*]} needs root" >&2; exit 1; }
  echo "pacs: installing ${missing[*]}"
  # Deny service starts during the install unless a policy already exists (never overwrite one).
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  trap '[ -n "$own_policy" ] && rm -f "$policy"' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
# Check they work, not just that they are installed.
command -v Orthanc >/dev/null || { echo "pacs: Orthanc not on PATH" >&2; exit 1; }
plugin=/usr/share/orthanc/plugins/libOrthancDicomWeb.so
[ -f "$plugin" ] || { echo "pacs: $plugin is missing (orthanc-dicomweb)" >&2; exit 1; }
command -v storescu >/dev/null || { echo "pacs: storescu (dcmtk) not on PATH" >&2; exit 1; }
/usr/bin/python3 -c 'import pydicom' || { echo "pacs: python3 cannot import pydicom" >&2; exit 1; }
echo "pacs: $(Orthanc --version | head -1), DICOMweb plugin ready"
