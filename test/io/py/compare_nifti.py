"""Compares two NIfTI files in world space: both reoriented to the closest canonical (RAS)
orientation, then voxel values (scaling applied) and affines. Prints JSON."""
import json
import sys

import nibabel as nib
import numpy as np

a = nib.as_closest_canonical(nib.load(sys.argv[1]))
b = nib.as_closest_canonical(nib.load(sys.argv[2]))
result = {"shapeA": list(a.shape), "shapeB": list(b.shape)}
if a.shape == b.shape:
    da = np.asarray(a.get_fdata())
    db = np.asarray(b.get_fdata())
    result["maxValueDiff"] = float(np.max(np.abs(da - db)))
result["maxAffineDiff"] = float(np.max(np.abs(a.affine - b.affine)))
result["affineA"] = a.affine.tolist()
result["affineB"] = b.affine.tolist()
print(json.dumps(result))
