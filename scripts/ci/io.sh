#!/usr/bin/env bash
# What the io tests (test/io) check against: dcm2niix (DICOM -> NIfTI reference), dciodvfy from
# dicom3tools (DICOM SEG validation), dcmdump from DCMTK (character sets), and the Debian python3
# with pydicom, nibabel and numpy (independent readers; the phantoms are written with pydicom).
# Idempotent: installs only what is missing, and fails loudly when it cannot.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(dcm2niix dicom3tools dcmtk libgdcm-tools python3 python3-pydicom python3-nibabel python3-numpy)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "io: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Check they work, not just that they are installed.
command -v dcm2niix >/dev/null || { echo "io: dcm2niix not on PATH" >&2; exit 1; }
command -v dciodvfy >/dev/null || { echo "io: dciodvfy not on PATH" >&2; exit 1; }
command -v dcmdump >/dev/null || { echo "io: dcmdump (dcmtk) not on PATH" >&2; exit 1; }
/usr/bin/python3 -c 'import pydicom, nibabel, numpy' || { echo "io: python3 cannot import pydicom/nibabel/numpy" >&2; exit 1; }
echo "io: dcm2niix, dciodvfy, dcmdump, pydicom $(/usr/bin/python3 -c 'import pydicom; print(pydicom.__version__)'), nibabel ready"
