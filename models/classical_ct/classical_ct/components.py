"""Connected components and hole filling with numpy only.

scipy is deliberately not used (the model must run on Debian's python3-numpy alone). Labels
are propagated along straight runs of foreground voxels: within a run every voxel takes the
run's smallest label, sweeping each axis in turn. A sweep joins a whole run at once, so the
number of sweeps grows with how often a path must turn, not with its length: a handful for
anatomical shapes. Connectivity is 6-neighbour (faces) in 3D, 4-neighbour in 2D.
"""

import numpy as np


def _run_min(labels, mask, axis):
    """In place: every foreground run along `axis` takes its smallest label. True if changed."""
    lab = np.moveaxis(labels, axis, -1)
    m = np.moveaxis(mask, axis, -1)
    lab_c = np.ascontiguousarray(lab).reshape(-1)
    m_c = np.ascontiguousarray(m).reshape(-1, m.shape[-1])
    starts = m_c.copy()
    starts[:, 1:] &= ~m_c[:, :-1]
    idx = np.flatnonzero(m_c)
    if idx.size == 0:
        return False
    run_id = np.cumsum(starts.reshape(-1))[idx]
    vals = lab_c[idx]
    first = np.flatnonzero(np.diff(run_id, prepend=0))
    mins = np.minimum.reduceat(vals, first)
    new = mins[run_id - 1]
    if np.array_equal(new, vals):
        return False
    lab_c[idx] = new
    lab[...] = lab_c.reshape(lab.shape)
    return True


def label(mask, axes=None):
    """Label connected components of a boolean mask. Returns (labels int32, count).

    `axes` limits connectivity (e.g. (0, 1) labels each z-slice on its own). Labels are
    renumbered 1..count in order of first appearance.
    """
    mask = np.asarray(mask, dtype=bool)
    axes = tuple(range(mask.ndim)) if axes is None else tuple(axes)
    labels = np.zeros(mask.shape, dtype=np.int32)
    labels[mask] = np.arange(1, int(mask.sum()) + 1, dtype=np.int32)
    changed = True
    while changed:
        changed = False
        for axis in axes:
            changed |= _run_min(labels, mask, axis)
    uniq, inverse = np.unique(labels[mask], return_inverse=True)
    out = np.zeros(mask.shape, dtype=np.int32)
    out[mask] = inverse.reshape(-1) + 1
    return out, int(uniq.size)


def sizes(labels, count):
    """Voxel count per label (index 0 is background)."""
    return np.bincount(labels.reshape(-1), minlength=count + 1)


def largest(mask):
    """The largest connected component of a mask (empty mask stays empty)."""
    labels, count = label(mask)
    if count == 0:
        return np.zeros_like(mask, dtype=bool)
    counts = sizes(labels, count)
    counts[0] = 0
    return labels == int(np.argmax(counts))


def fill_holes_2d(mask, slice_axis):
    """Fill, slice by slice, background regions that do not reach the slice border."""
    mask = np.asarray(mask, dtype=bool)
    plane = tuple(a for a in range(mask.ndim) if a != slice_axis)
    background = ~mask
    # Seeds: background on the in-plane border. Reachability is propagated with the same
    # run sweeps (seed label 1, everything else 2; a run touching a seed becomes 1).
    reach = np.where(background, 2, 0).astype(np.int32)
    border = np.zeros(mask.shape, dtype=bool)
    for a in plane:
        index = [slice(None)] * mask.ndim
        index[a] = 0
        border[tuple(index)] = True
        index[a] = -1
        border[tuple(index)] = True
    reach[border & background] = 1
    changed = True
    while changed:
        changed = False
        for axis in plane:
            changed |= _run_min(reach, background, axis)
    return mask | (reach == 2)
