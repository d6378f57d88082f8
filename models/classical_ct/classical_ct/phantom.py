"""A synthetic chest CT phantom with known geometry, and its expected label map.

`python -m classical_ct.phantom <dir> [--size small|large]` writes <dir>/ct.nii.gz and
<dir>/expected.nii.gz. The affine flips x (RAS x falls as voxel i grows, so i runs towards
the patient's LEFT, as DICOM's LPS x does), so a model that ignores orientation swaps the lungs.
"""

import os
import sys

import numpy as np

from . import nifti, segment

SIZES = {"small": (64, 48, 40), "large": (256, 192, 160)}


def make(shape=SIZES["small"]):
    nx, ny, nz = shape
    spacing = (2.0 * 64 / nx, 2.0 * 48 / ny, 3.0 * 40 / nz)
    affine = np.diag([-spacing[0], -spacing[1], spacing[2], 1.0])
    affine[:3, 3] = (spacing[0] * nx / 2, spacing[1] * ny / 2, -spacing[2] * nz / 2)
    i, j, k = np.meshgrid(
        (np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny, (np.arange(nz) + 0.5) / nz, indexing="ij"
    )
    # Body: elliptic cylinder along z. Lungs: two ellipsoids; the one at smaller i has the larger
    # RAS x, the patient's right (RAS +x points to the patient's right; x is flipped here, so the
    # right lung is at small i). Spine: a cylinder behind the lungs.
    body = ((i - 0.5) / 0.42) ** 2 + ((j - 0.5) / 0.38) ** 2 <= 1.0
    right = ((i - 0.32) / 0.13) ** 2 + ((j - 0.45) / 0.2) ** 2 + ((k - 0.5) / 0.36) ** 2 <= 1.0
    left = ((i - 0.68) / 0.13) ** 2 + ((j - 0.45) / 0.2) ** 2 + ((k - 0.5) / 0.36) ** 2 <= 1.0
    spine = ((i - 0.5) / 0.06) ** 2 + ((j - 0.75) / 0.08) ** 2 <= 1.0
    expected = np.zeros(shape, dtype=np.uint8)
    expected[body] = segment.BODY
    expected[right] = segment.RIGHT_LUNG
    expected[left] = segment.LEFT_LUNG
    expected[spine] = segment.BONE
    hu = np.full(shape, -1000.0, dtype=np.float32)
    hu[body] = 40.0
    hu[right | left] = -850.0
    hu[spine] = 700.0
    noise = np.random.default_rng(7).normal(0.0, 15.0, size=shape).astype(np.float32)
    ct = np.round(hu + noise).astype(np.int16)
    return ct, expected, affine


def main(argv):
    if not argv:
        sys.stderr.write("usage: python -m classical_ct.phantom <dir> [--size small|large]\n")
        return 2
    size = argv[argv.index("--size") + 1] if "--size" in argv else "small"
    ct, expected, affine = make(SIZES[size])
    os.makedirs(argv[0], exist_ok=True)
    nifti.write_volume(os.path.join(argv[0], "ct.nii.gz"), ct, affine)
    nifti.write_volume(os.path.join(argv[0], "expected.nii.gz"), expected, affine)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
