"""Reads a DICOM SEG with pydicom and prints what tests check, as JSON."""
import json
import sys

import numpy as np
import pydicom

ds = pydicom.dcmread(sys.argv[1])
pixels = ds.pixel_array
if pixels.ndim == 2:
    pixels = pixels[np.newaxis]


def code(seq):
    if not seq:
        return None
    item = seq[0]
    return {
        "scheme": item.CodingSchemeDesignator,
        "value": str(item.get("CodeValue", item.get("LongCodeValue", ""))),
        "meaning": item.CodeMeaning,
    }


segments = []
for s in ds.SegmentSequence:
    t = s.SegmentedPropertyTypeCodeSequence[0]
    region = s.get("AnatomicRegionSequence")
    segments.append({
        "number": int(s.SegmentNumber),
        "label": s.SegmentLabel,
        "category": code(s.SegmentedPropertyCategoryCodeSequence),
        "type": code(s.SegmentedPropertyTypeCodeSequence),
        "modifier": code(t.get("SegmentedPropertyTypeModifierCodeSequence")),
        "region": code(region),
        "regionModifier": code(region[0].get("AnatomicRegionModifierSequence")) if region else None,
        "lab": [int(v) for v in s.RecommendedDisplayCIELabValue],
        "algorithmType": s.SegmentAlgorithmType,
    })
frames = []
for f, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
    frames.append({
        "segment": int(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
        "position": [float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient],
        "source": item.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID,
        "voxels": int(pixels[f].sum()),
    })
print(json.dumps({
    "modality": ds.Modality,
    "sopClass": ds.SOPClassUID,
    "frames": int(ds.NumberOfFrames),
    "rows": int(ds.Rows),
    "columns": int(ds.Columns),
    "patientId": ds.PatientID,
    "studyUid": ds.StudyInstanceUID,
    "referencedSeries": ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
    "segments": segments,
    "frameList": frames,
}))
