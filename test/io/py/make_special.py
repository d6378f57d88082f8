"""Writes one unusual DICOM file with pydicom: 'mpeg4' (an encapsulated frame in MPEG-4 AVC/H.264,
which neither our reader nor itk-wasm decodes; the bytes are not a real stream:
discovery must flag the transfer syntax without decoding) or
'multiframe' (an Enhanced-CT-like file with 3 frames). Usage: make_special.py MODE FILE"""
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from make_series import set_int16_pixel_module

mode, out = sys.argv[1], sys.argv[2]
ds = Dataset()
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
meta.MediaStorageSOPInstanceUID = generate_uid()
ds.file_meta = meta
ds.SOPClassUID = meta.MediaStorageSOPClassUID
ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
ds.PatientID = "SPECIAL"
ds.StudyInstanceUID = generate_uid()
ds.SeriesInstanceUID = generate_uid()
ds.Modality = "CT"
ds.SeriesDescription = mode
set_int16_pixel_module(ds, 8, 8)
ds.ImagePositionPatient = [0, 0, 0]
ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
ds.PixelSpacing = [1, 1]
if mode == "mpeg4":
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.102"
    ds.is_implicit_VR = False
    ds.PixelData = encapsulate([b"\xff\x4fnot-a-real-codestream\xff\xd9"])
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
else:
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.is_implicit_VR = False
    ds.NumberOfFrames = 3
    ds.PixelData = np.zeros((3, 8, 8), np.int16).tobytes()
ds.is_little_endian = True
ds.preamble = b"\0" * 128
pydicom.dcmwrite(out, ds, write_like_original=False)
