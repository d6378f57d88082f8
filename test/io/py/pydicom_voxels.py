"""pydicom's reading of one DICOM file: real values (rescale and RT Dose's DoseGridScaling
applied) written as float64 in file order (frame, row, column) to argv[2]; shape as JSON."""
import json
import sys

import numpy as np
import pydicom

ds = pydicom.dcmread(sys.argv[1])
try:
    a = ds.pixel_array.astype(np.float64)
except Exception as e:  # noqa: BLE001 - the reason is the result
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
    sys.exit(0)
frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
if frames == 1 and a.ndim == 2:
    a = a[np.newaxis]
slope = float(getattr(ds, "RescaleSlope", 1) or 1)
intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
dose = float(getattr(ds, "DoseGridScaling", 1) or 1)
a = a * slope * dose + intercept
np.ascontiguousarray(a).tofile(sys.argv[2])
print(json.dumps({"shape": list(a.shape), "transferSyntax": str(ds.file_meta.TransferSyntaxUID)}))
