"""Classical CT segmentation: body, right/left lung and bone from Hounsfield thresholds.

Label values follow the card (registry/models/classical_ct.md): 1 BODY, 2 RIGHT_LUNG,
3 LEFT_LUNG, 4 BONE. Each voxel gets one label; lungs and bone take precedence over body.
"""

import numpy as np

from . import components

BODY, RIGHT_LUNG, LEFT_LUNG, BONE = 1, 2, 3, 4

BODY_HU = -500.0  # soft tissue and denser: the patient, not the air around them
LUNG_HU = -400.0  # aerated lung inside the body
BONE_HU = 250.0  # cortical/trabecular bone (above contrast-enhanced blood)
MIN_LUNG_ML = 5.0  # a lung smaller than this is noise or bowel gas
MIN_BONE_ML = 0.5  # drop isolated dense specks (calcifications, noise)


def _axis_codes(affine):
    """For each voxel axis, the RAS world axis it runs closest to, and its sign (+1: the index
    grows towards the patient's right, anterior or superior)."""
    rot = np.asarray(affine)[:3, :3]
    world = np.argmax(np.abs(rot), axis=0)
    sign = np.sign(rot[world, np.arange(3)])
    return world, sign


def segment(hu, affine, progress=lambda step, message: None):
    """Return a uint8 label map for a CT volume in Hounsfield units."""
    hu = np.asarray(hu, dtype=np.float32)
    voxel_ml = abs(float(np.linalg.det(np.asarray(affine)[:3, :3]))) / 1000.0 or 1e-3
    world, sign = _axis_codes(affine)
    slice_axis = int(np.flatnonzero(world == 2)[0]) if (world == 2).any() else 2
    lr_axis = int(np.flatnonzero(world == 0)[0]) if (world == 0).any() else 0

    progress(1, "body")
    body = components.largest(hu > BODY_HU)
    body = components.fill_holes_2d(body, slice_axis)

    progress(2, "lungs")
    air_inside = body & (hu < LUNG_HU)
    labels, count = components.label(air_inside)
    counts = components.sizes(labels, count)
    counts[0] = 0
    order = np.argsort(counts)[::-1]
    lungs = [int(k) for k in order[:2] if counts[k] * voxel_ml >= MIN_LUNG_ML]
    labelmap = np.zeros(hu.shape, dtype=np.uint8)
    labelmap[body] = BODY
    # NIfTI world coordinates are RAS: +x points to the patient's RIGHT (DICOM's LPS has +x
    # towards the patient's left). `lr` grows towards the patient's right. Two separate lungs are
    # told apart by their centroids; one merged air region is split at the body's midline.
    coords = np.arange(hu.shape[lr_axis], dtype=np.float64) * sign[lr_axis]
    shape = [1, 1, 1]
    shape[lr_axis] = -1
    lr = coords.reshape(shape)
    if len(lungs) == 2 and counts[lungs[1]] >= 0.2 * counts[lungs[0]]:
        centroid = [float((np.broadcast_to(lr, hu.shape)[labels == k]).mean()) for k in lungs]
        right, left = (lungs[0], lungs[1]) if centroid[0] > centroid[1] else (lungs[1], lungs[0])
        labelmap[labels == right] = RIGHT_LUNG
        labelmap[labels == left] = LEFT_LUNG
    elif lungs:
        lung = labels == lungs[0]
        midline = float(np.broadcast_to(lr, hu.shape)[body].mean())
        is_right = np.broadcast_to(lr > midline, hu.shape)
        labelmap[lung & is_right] = RIGHT_LUNG
        labelmap[lung & ~is_right] = LEFT_LUNG

    progress(3, "bone")
    dense, count = components.label(body & (hu > BONE_HU))
    counts = components.sizes(dense, count)
    keep = counts * voxel_ml >= MIN_BONE_ML
    keep[0] = False
    labelmap[keep[dense]] = BONE
    return labelmap
