"""pydicom's reading of one DICOM file (dicom_real.py) written as float64 to argv[2]; shape as JSON."""
import json
import sys

import numpy as np
from dicom_real import pydicom_real

try:
    ds, a = pydicom_real(sys.argv[1])
except Exception as e:  # noqa: BLE001 - the reason is the result
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
    sys.exit(0)
np.ascontiguousarray(a).tofile(sys.argv[2])
print(json.dumps({"shape": list(a.shape), "transferSyntax": str(ds.file_meta.TransferSyntaxUID)}))
