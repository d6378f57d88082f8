"""Write a binary DICOM SEG (Segmentation Storage) for a label map on a source CT series."""

import datetime

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"

# Codes from registry/terminology (BODY, RIGHT_LUNG, LEFT_LUNG, BONE): (label, category,
# type, modifier, colour).
BODY_STRUCTURE = ("123037004", "Body structure")
SEGMENTS = [
    ("Body", BODY_STRUCTURE, ("38266002", "Entire body"), None, (177, 122, 101)),
    ("Right lung", BODY_STRUCTURE, ("39607008", "Lung structure"), ("24028007", "Right"), (81, 166, 79)),
    ("Left lung", BODY_STRUCTURE, ("39607008", "Lung structure"), ("7771000", "Left"), (195, 156, 89)),
    ("Bone", ("85756007", "Body tissue structure"), ("272673000", "Bone structure"), None, (241, 214, 145)),
]
COPIED = [
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyDate",
    "StudyTime", "StudyID", "AccessionNumber", "ReferringPhysicianName", "FrameOfReferenceUID",
]


def _code(value, meaning):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "SCT"
    item.CodeMeaning = meaning[:64]
    return item


def _item(**fields):
    ds = Dataset()
    for key, value in fields.items():
        setattr(ds, key, value)
    return ds


def write(path, labels, datasets, algorithm="classical_ct"):
    """labels: (cols, rows, slices) uint8 aligned with the sorted `datasets`."""
    src = datasets[0]
    now = datetime.datetime.now()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SEG_SOP_CLASS
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    for key in COPIED:
        setattr(ds, key, getattr(src, key, ""))
    ds.SOPClassUID, ds.SOPInstanceUID = SEG_SOP_CLASS, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.SeriesInstanceUID, ds.SeriesNumber = "SEG", generate_uid(), 300
    ds.SeriesDescription = "classical_ct segmentation"
    ds.InstanceNumber = 1
    ds.ContentDate, ds.ContentTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    ds.Manufacturer, ds.ManufacturerModelName = "mhub registry", algorithm
    ds.DeviceSerialNumber, ds.SoftwareVersions = "1", "1.0.0"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.ContentLabel, ds.ContentDescription, ds.ContentCreatorName = "SEGMENTATION", "classical_ct", "mhub"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = int(src.Rows), int(src.Columns)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 1, 1, 0, 0
    ds.LossyImageCompression, ds.SegmentationType = "00", "BINARY"
    segments = []
    for number, (label, category, kind, modifier, _colour) in enumerate(SEGMENTS, start=1):
        prop = _code(*kind)
        if modifier:
            prop.SegmentedPropertyTypeModifierCodeSequence = Sequence([_code(*modifier)])
        segments.append(
            _item(
                SegmentNumber=number, SegmentLabel=label, SegmentAlgorithmType="AUTOMATIC",
                SegmentAlgorithmName=algorithm,
                SegmentedPropertyCategoryCodeSequence=Sequence([_code(*category)]),
                SegmentedPropertyTypeCodeSequence=Sequence([prop]),
            )
        )
    ds.SegmentSequence = Sequence(segments)
    dim_uid = generate_uid()
    ds.DimensionOrganizationSequence = Sequence([_item(DimensionOrganizationUID=dim_uid)])
    ds.DimensionIndexSequence = Sequence([
        _item(DimensionOrganizationUID=dim_uid, DimensionIndexPointer=0x0062000B,
              FunctionalGroupPointer=0x0062000A),
        _item(DimensionOrganizationUID=dim_uid, DimensionIndexPointer=0x00200032,
              FunctionalGroupPointer=0x00209113),
    ])
    shared = Dataset()
    shared.PlaneOrientationSequence = Sequence([_item(ImageOrientationPatient=src.ImageOrientationPatient)])
    shared.PixelMeasuresSequence = Sequence([
        _item(PixelSpacing=src.PixelSpacing, SliceThickness=getattr(src, "SliceThickness", 1))
    ])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    frames, per_frame = [], []
    for number in range(1, len(SEGMENTS) + 1):
        for k, source in enumerate(datasets):
            plane = labels[:, :, k].T == number  # back to (rows, cols)
            if not plane.any():
                continue
            frames.append(plane)
            ref = _item(ReferencedSOPClassUID=source.SOPClassUID, ReferencedSOPInstanceUID=source.SOPInstanceUID)
            per_frame.append(_item(
                FrameContentSequence=Sequence([_item(DimensionIndexValues=[number, k + 1])]),
                PlanePositionSequence=Sequence([_item(ImagePositionPatient=source.ImagePositionPatient)]),
                SegmentIdentificationSequence=Sequence([_item(ReferencedSegmentNumber=number)]),
                DerivationImageSequence=Sequence([_item(SourceImageSequence=Sequence([ref]))]),
            ))
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.NumberOfFrames = len(frames)
    ds.ReferencedSeriesSequence = Sequence([_item(
        SeriesInstanceUID=src.SeriesInstanceUID,
        ReferencedInstanceSequence=Sequence([
            _item(ReferencedSOPClassUID=s.SOPClassUID, ReferencedSOPInstanceUID=s.SOPInstanceUID) for s in datasets
        ]),
    )])
    bits = np.packbits(np.stack(frames).reshape(-1), bitorder="little") if frames else np.zeros(0, np.uint8)
    data = bits.tobytes()
    ds.PixelData = data + (b"\x00" if len(data) % 2 else b"")
    ds["PixelData"].VR = "OB"
    ds.save_as(path, write_like_original=False)
