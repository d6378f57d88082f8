"""Reads a DICOM series folder with pydicom: identifiers and rescaled voxel checksum, as JSON."""
import json
import os
import sys

import numpy as np
import pydicom

files = sorted(os.listdir(sys.argv[1]))
ds = [pydicom.dcmread(os.path.join(sys.argv[1], f)) for f in files]
ds.sort(key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, float),
                                   np.cross(np.array(d.ImageOrientationPatient[:3], float),
                                            np.array(d.ImageOrientationPatient[3:], float)))))
volume = np.stack([d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in ds])
print(json.dumps({
    "count": len(ds),
    "patientId": ds[0].PatientID,
    "patientName": str(ds[0].PatientName),
    "studyUid": ds[0].StudyInstanceUID,
    "seriesUids": sorted({d.SeriesInstanceUID for d in ds}),
    "sopClass": ds[0].SOPClassUID,
    "shape": list(volume.shape),
    "sum": float(volume.sum()),
    "first": float(volume[0, 0, 0]),
    "last": float(volume[-1, -1, -1]),
}))
