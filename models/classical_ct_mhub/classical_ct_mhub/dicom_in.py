"""Read one CT series from a DICOM folder into a volume in (column, row, slice) order + RAS affine."""

import os

import numpy as np
import pydicom


def find_series(root):
    """Group readable DICOM image files under `root` by SeriesInstanceUID."""
    series = {}
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                ds = pydicom.dcmread(path, stop_before_pixels=True)
            except Exception:  # not DICOM: MHub input folders may hold anything
                continue
            if "ImagePositionPatient" not in ds or "SeriesInstanceUID" not in ds:
                continue
            series.setdefault(str(ds.SeriesInstanceUID), []).append(path)
    return series


def read_volume(paths):
    """Slices sorted along the normal; returns (hu, affine_ras, datasets)."""
    datasets = [pydicom.dcmread(p) for p in paths]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=np.float64)
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    datasets.sort(key=lambda ds: float(np.dot(normal, np.array(ds.ImagePositionPatient, dtype=float))))
    first = np.array(datasets[0].ImagePositionPatient, dtype=np.float64)
    if len(datasets) > 1:
        last = np.array(datasets[-1].ImagePositionPatient, dtype=np.float64)
        step = (last - first) / (len(datasets) - 1)
    else:
        step = normal * float(getattr(datasets[0], "SliceThickness", 1.0) or 1.0)
    dr, dc = (float(x) for x in datasets[0].PixelSpacing)  # row spacing, column spacing
    lps = np.eye(4)
    lps[:3, 0] = row_dir * dc  # i: along a row (column index)
    lps[:3, 1] = col_dir * dr  # j: down a column (row index)
    lps[:3, 2] = step
    lps[:3, 3] = first
    affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps
    slices = []
    for ds in datasets:
        slope = float(getattr(ds, "RescaleSlope", 1) or 1)
        intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
        slices.append(ds.pixel_array.astype(np.float32) * slope + intercept)
    hu = np.stack(slices, axis=-1).transpose(1, 0, 2)  # (rows, cols, k) -> (cols, rows, k)
    return hu, affine, datasets
