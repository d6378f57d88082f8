"""Orientation and resampling: any NIfTI grid <-> the network's working grid.

The network always sees the patient the same way: voxel axes along RAS (index grows towards
the patient's right, anterior, superior) at WORK_SPACING mm, whatever the file's axis order,
flips and spacing. Left and right therefore come from the affine, as in classical_ct.
"""

import numpy as np
import torch
import torch.nn.functional as F

WORK_SPACING = 3.0  # mm, isotropic
MARGIN = 8  # working-grid voxels of air added around the volume at run time (24 mm)
# Two input channels: a wide window (air -2, water 0, dense bone +2) and a lung window that
# keeps aerated lung (about -850 HU) well apart from the air around the patient (-1000 HU).
WINDOWS = ((-1000.0, 1000.0, 0.0, 500.0), (-1000.0, -700.0, 1000.0, 150.0))  # min, max, shift, scale
AIR = tuple((lo + shift) / scale for lo, _, shift, scale in WINDOWS)  # padding values per channel


class Orientation:
    """How to turn an array of a given affine into RAS order (and back)."""

    def __init__(self, affine):
        rot = np.asarray(affine, dtype=np.float64)[:3, :3]
        norms = np.sqrt((rot**2).sum(axis=0))
        if not np.all(norms > 0):
            raise ValueError("the affine has a zero-length voxel axis")
        unit = np.abs(rot / norms)
        # Greedy assignment (largest cosine first) so even oblique affines give a permutation.
        perm = [-1, -1, -1]
        for flat in np.argsort(-unit, axis=None):
            world, axis = divmod(int(flat), 3)
            if perm[world] < 0 and axis not in perm:
                perm[world] = axis
        self.perm = tuple(perm)  # perm[world axis] = voxel axis
        self.flip = tuple(bool(rot[w, perm[w]] < 0) for w in range(3))
        self.spacing = tuple(float(norms[perm[w]]) for w in range(3))

    def to_ras(self, data):
        out = np.transpose(data, self.perm)
        for w in range(3):
            if self.flip[w]:
                out = np.flip(out, axis=w)
        return np.ascontiguousarray(out)

    def from_ras(self, data):
        out = data
        for w in range(3):
            if self.flip[w]:
                out = np.flip(out, axis=w)
        return np.ascontiguousarray(np.transpose(out, np.argsort(self.perm)))


def work_shape(shape, spacing, work_spacing=WORK_SPACING):
    return tuple(max(1, int(round(n * s / work_spacing))) for n, s in zip(shape, spacing))


def normalise(hu):
    """Hounsfield units (X, Y, Z) -> the network's input channels (2, X, Y, Z)."""
    hu = np.asarray(hu, dtype=np.float32)
    return np.stack([(np.clip(hu, lo, hi) + shift) / scale for lo, hi, shift, scale in WINDOWS])


def resample(tensor, shape):
    """Trilinear resampling of a (C, X, Y, Z) tensor so that the volume's extent is kept."""
    if tuple(tensor.shape[1:]) == tuple(shape):
        return tensor
    return F.interpolate(tensor[None], size=tuple(shape), mode="trilinear", align_corners=False)[0]


def pad_to_multiple(tensor, multiple, values):
    """Pad (C, X, Y, Z) at the high end of each axis to a multiple, channel c with values[c]."""
    pads = []
    for n in reversed(tensor.shape[1:]):
        pads += [0, (-n) % multiple]
    if not any(pads):
        return tensor
    return torch.cat([F.pad(tensor[c : c + 1], pads, value=float(v)) for c, v in enumerate(values)])


def to_work_grid(hu_ras, spacing, work_spacing=WORK_SPACING):
    """RAS Hounsfield array -> (2, X, Y, Z) float tensor on the working grid."""
    tensor = torch.from_numpy(normalise(hu_ras))
    return resample(tensor, work_shape(hu_ras.shape, spacing, work_spacing))
