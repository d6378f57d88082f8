"""Compares run outputs, printed as JSON. usage:
  compare_outputs.py nifti <expected.nii.gz> <a.nii.gz> <b.nii.gz> ...   (label maps, voxel for voxel)
  compare_outputs.py seg <a.dcm> <b.dcm> ...                              (DICOM SEG frames and segments)
"""

import json
import sys

import numpy as np


def main(argv):
    kind, files = argv[0], argv[1:]
    if kind == "nifti":
        from classical_ct import nifti

        arrays = [nifti.read(f).data for f in files]
        same = [bool(np.array_equal(arrays[0], a)) for a in arrays[1:]]
        print(json.dumps({"identical": same, "labels": sorted(int(v) for v in np.unique(arrays[1]))}))
    else:
        import pydicom

        segs = [pydicom.dcmread(f) for f in files]
        frames = [s.pixel_array if "PixelData" in s else None for s in segs]
        same = [bool(np.array_equal(frames[0], f)) for f in frames[1:]]
        labels = [[str(item.SegmentLabel) for item in s.SegmentSequence] for s in segs]
        print(json.dumps({"identical": same, "segments": labels, "modality": [s.Modality for s in segs]}))


if __name__ == "__main__":
    main(sys.argv[1:])
