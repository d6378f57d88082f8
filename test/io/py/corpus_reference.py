"""References for the DICOM corpus suite, all files in one run (one interpreter start).
argv[1]: JSON list of {name, dicom, gdcmRaw, oursRaw, oursNifti, refNifti}; prints a JSON list
of {name, pydicom: {shape, maxDiff} | {error}, gdcm: the same for GDCM's decompressed copy
(gdcmconv --raw, read by pydicom), dcm2niix: {shapeA, shapeB, maxValueDiff, maxAffineDiff} | null}. oursRaw holds our real values (float64, file order: frame, row, col)."""
import json
import os
import sys
import warnings

import nibabel as nib
import numpy as np
from dicom_real import pydicom_real

warnings.filterwarnings("ignore")


def as3d(img):
    img = nib.as_closest_canonical(img)
    data = np.asarray(img.get_fdata())
    while data.ndim < 3:
        data = data[..., np.newaxis]
    if data.ndim > 3 and all(s == 1 for s in data.shape[3:]):
        data = data.reshape(data.shape[:3])
    return img.affine, data


def versus(dicom, ours_raw):
    """pydicom's values for `dicom` against ours: {shape, maxDiff} or {error}."""
    try:
        _, ref = pydicom_real(dicom)
    except Exception as e:  # noqa: BLE001 - the reason is the result
        return {"error": f"{type(e).__name__}: {e}"[:160]}
    r = {"shape": list(ref.shape)}
    ours = np.fromfile(ours_raw, dtype=np.float64)
    if ours.size == ref.size:
        r["maxDiff"] = float(np.max(np.abs(ours - ref.ravel()))) if ref.size else 0.0
    return r


out = []
for job in json.load(open(sys.argv[1])):
    row = {"name": job["name"], "pydicom": None, "gdcm": None, "dcm2niix": None}
    if job.get("dicom") and os.path.isfile(job["dicom"]):
        row["pydicom"] = versus(job["dicom"], job["oursRaw"])
    if job.get("gdcmRaw") and os.path.isfile(job["gdcmRaw"]):
        row["gdcm"] = versus(job["gdcmRaw"], job["oursRaw"])
    if job.get("oursNifti") and job.get("refNifti"):
        aa, da = as3d(nib.load(job["oursNifti"]))
        ab, db = as3d(nib.load(job["refNifti"]))
        r = {"shapeA": list(da.shape), "shapeB": list(db.shape)}
        r["maxAffineDiff"] = float(np.max(np.abs(aa - ab)))
        if da.shape == db.shape:
            r["maxValueDiff"] = float(np.max(np.abs(da - db)))
        row["dcm2niix"] = r
    out.append(row)
print(json.dumps(out))
