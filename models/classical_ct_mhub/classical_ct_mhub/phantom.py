"""`python3 -m classical_ct_mhub.phantom <dir> [--fixed]`: the classical_ct phantom as a DICOM CT series.

Writes <dir>/ct/<n>.dcm (one file per slice, LPS positions from the phantom's affine) and
<dir>/expected.nii.gz. Tests use it to make DICOM input without pydicom on the host.
--fixed derives every UID from the phantom's name and uses a fixed date, so the files are the
same on every run (the committed test sample, models/classical_ct_mhub/tests/sample).
"""

import datetime
import os
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from classical_ct import nifti
from classical_ct import phantom as nifti_phantom

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def write_series(folder, ct, affine, fixed=False):
    os.makedirs(folder, exist_ok=True)

    def uid(*parts):
        if not fixed:
            return generate_uid()
        return generate_uid(entropy_srcs=["classical_ct_mhub phantom", *map(str, parts)])

    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine
    spacing = np.sqrt((lps[:3, :3] ** 2).sum(axis=0))
    row_dir, col_dir = lps[:3, 0] / spacing[0], lps[:3, 1] / spacing[1]
    study, series, frame = uid("study"), uid("series"), uid("frame")
    today = "20261127" if fixed else datetime.date.today().strftime("%Y%m%d")
    for k in range(ct.shape[2]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = CT_IMAGE, uid("instance", k)
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID, ds.SOPInstanceUID = CT_IMAGE, meta.MediaStorageSOPInstanceUID
        ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Phantom^Chest", "PHANTOM1", "", "O"
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = today, "120000", "1", ""
        ds.ReferringPhysicianName, ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "", "CT", 1, k + 1
        ds.ImageOrientationPatient = [float(x) for x in (*row_dir, *col_dir)]
        ds.ImagePositionPatient = [float(x) for x in lps[:3, :3] @ np.array([0.0, 0.0, k]) + lps[:3, 3]]
        ds.PixelSpacing = [float(spacing[1]), float(spacing[0])]  # row spacing, column spacing
        ds.SliceThickness = float(spacing[2])
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = ct.shape[1], ct.shape[0]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        ds.PixelData = (ct[:, :, k].T.astype(np.int32) + 1024).astype("<i2").tobytes()
        ds.save_as(os.path.join(folder, "%04d.dcm" % (k + 1)), write_like_original=False)


def main(argv):
    if not argv:
        sys.stderr.write("usage: python3 -m classical_ct_mhub.phantom <dir> [--fixed]\n")
        return 2
    ct, expected, affine = nifti_phantom.make()
    write_series(os.path.join(argv[0], "ct"), ct, affine, fixed="--fixed" in argv)
    nifti.write_volume(os.path.join(argv[0], "expected.nii.gz"), expected, affine)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
