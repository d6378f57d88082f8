"""pydicom's real values for one DICOM file: rescale and RT Dose's DoseGridScaling applied,
as float64 in file order (frame, row, column). Shared by the io suites' reference scripts."""
import numpy as np
import pydicom


def pydicom_real(path):
    ds = pydicom.dcmread(path)
    a = ds.pixel_array.astype(np.float64)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    if frames == 1 and a.ndim == 2:
        a = a[np.newaxis]
    slope = float(getattr(ds, "RescaleSlope", 1) or 1)
    intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    dose = float(getattr(ds, "DoseGridScaling", 1) or 1)
    return ds, a * slope * dose + intercept
