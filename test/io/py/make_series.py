"""Writes a synthetic single-frame DICOM series with pydicom (independent of our writer).

Voxel (i, j, k) (column i, row j, slice k in acquisition order) stores
(3*i + 5*j + 7*k) % 2000 - 1000 as int16, so tests can check values without a reader.
Usage: make_series.py OUT_DIR '{"size":[64,64,20], ...}'  (see defaults below)
"""
import json
import sys
import os
import random

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, generate_uid

CT = "1.2.840.10008.5.1.4.1.1.2"


def set_int16_pixel_module(ds, columns, rows):
    """Image Pixel module attributes for signed 16-bit greyscale."""
    ds.Rows = rows
    ds.Columns = columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1


def main():
    out = sys.argv[1]
    opts = {
        "size": [64, 64, 20],
        "spacing": [0.8, 0.7, 2.5],  # column spacing, row spacing, slice step
        "origin": [-30.0, -20.0, 10.0],
        "orientation": [1, 0, 0, 0, 1, 0],
        "slope": 1,
        "intercept": -1024,
        "skip": [],  # slice indices to leave out (missing slices)
        "implicit": False,
        "modality": "CT",
        "seriesUid": None,
        "studyUid": None,
        "seriesNumber": 1,
        "shuffle": True,
        "rle": False,  # RLE Lossless compressed pixel data
        "tilt": 0,  # gantry tilt in degrees: slice k moves k*tan(tilt)*step along the columns
    }
    opts.update(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
    nx, ny, nz = opts["size"]
    sx, sy, sz = opts["spacing"]
    row = np.array(opts["orientation"][:3], float)
    col = np.array(opts["orientation"][3:], float)
    row /= np.linalg.norm(row)
    col -= row * np.dot(row, col)  # orthogonal, as scanners write it
    col /= np.linalg.norm(col)
    normal = np.cross(row, col)
    origin = np.array(opts["origin"], float)
    series_uid = opts["seriesUid"] or generate_uid()
    study_uid = opts["studyUid"] or generate_uid()
    frame_uid = generate_uid()
    os.makedirs(out, exist_ok=True)
    order = list(range(nz))
    if opts["shuffle"]:
        random.Random(7).shuffle(order)
    for n, k in enumerate(order):
        if k in opts["skip"]:
            continue
        j, i = np.mgrid[0:ny, 0:nx]
        pixels = ((3 * i + 5 * j + 7 * k) % 2000 - 1000).astype(np.int16)
        ds = Dataset()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ImplicitVRLittleEndian if opts["implicit"] else ExplicitVRLittleEndian
        ds.file_meta = meta
        ds.SOPClassUID = CT
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.PatientName = "Phantom^Test"
        ds.PatientID = "PHANTOM1"
        ds.PatientBirthDate = "19700101"
        ds.PatientSex = "O"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.StudyDate = "20240102"
        ds.StudyTime = "101010"
        ds.StudyID = "S1"
        ds.AccessionNumber = "ACC1"
        ds.Modality = opts["modality"]
        ds.SeriesNumber = opts["seriesNumber"]
        ds.SeriesDescription = "phantom %dx%dx%d" % (nx, ny, nz)
        ds.InstanceNumber = k + 1
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        pos = origin + normal * sz * k + col * np.tan(np.radians(opts["tilt"])) * sz * k
        if opts["tilt"]:
            ds.GantryDetectorTilt = opts["tilt"]
        ds.ImagePositionPatient = [float("%.6f" % v) for v in pos]
        ds.ImageOrientationPatient = [float("%.8f" % v) for v in list(row) + list(col)]
        ds.PixelSpacing = [sy, sx]
        ds.SliceThickness = sz
        set_int16_pixel_module(ds, nx, ny)
        ds.RescaleSlope = opts["slope"]
        ds.RescaleIntercept = opts["intercept"]
        ds.PixelData = pixels.tobytes()
        ds.is_little_endian = True
        ds.is_implicit_VR = bool(opts["implicit"])
        ds.preamble = b"\0" * 128
        if opts["rle"]:
            ds.compress(RLELossless)
        pydicom.dcmwrite(os.path.join(out, "img%04d.dcm" % n), ds, write_like_original=False)


if __name__ == "__main__":
    main()
