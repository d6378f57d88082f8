// Label map + label table -> binary DICOM SEG referencing the source series. One pass over the
// label map fills bit-packed frames for every (segment, slice) that has voxels; the frames are
// then written straight to the file after a header built with our small DICOM writer.
import { closeSync, openSync } from 'node:fs';
import { MhubError } from '../../errors.ts';
import { writeAll } from '../../fsafe/index.ts';
import { noProgress, type Progress } from '../../progress.ts';
import { writeAtomic } from '../atomic.ts';
import { WRITTEN_CHARSET } from '../dicom/charset.ts';
import { T, tag } from '../dicom/dictionary.ts';
import type { SeriesSummary } from '../dicom/scan.ts';
import { seriesGeometry } from '../dicom/series.ts';
import {
  clip,
  dataset,
  type Encoded,
  el,
  fileMeta,
  newUid,
  nowDaTm,
  pixelDataHeader,
  sq,
} from '../dicom/write.ts';
import type { LabelEntry } from '../labels.ts';
import { geometryMismatch, type Volume } from '../volume.ts';
import { codeItem, rgbToDicomLab } from './codes.ts';
import { labelsBySlice, packFrames } from './pack.ts';

export const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

const t = tag;
const TAGS = {
  SpecificCharacterSet: t(0x0008, 0x0005),
  ImageType: t(0x0008, 0x0008),
  InstanceCreationDate: t(0x0008, 0x0012),
  InstanceCreationTime: t(0x0008, 0x0013),
  SeriesDate: t(0x0008, 0x0021),
  ContentDate: t(0x0008, 0x0023),
  SeriesTime: t(0x0008, 0x0031),
  ContentTime: t(0x0008, 0x0033),
  ReferringPhysicianName: t(0x0008, 0x0090),
  ManufacturerModelName: t(0x0008, 0x1090),
  ReferencedInstanceSequence: t(0x0008, 0x114a),
  SourceImageSequence: t(0x0008, 0x2112),
  DerivationImageSequence: t(0x0008, 0x9124),
  DerivationCodeSequence: t(0x0008, 0x9215),
  DeviceSerialNumber: t(0x0018, 0x1000),
  SoftwareVersions: t(0x0018, 0x1020),
  PositionReferenceIndicator: t(0x0020, 0x1040),
  FrameContentSequence: t(0x0020, 0x9111),
  DimensionIndexValues: t(0x0020, 0x9157),
  DimensionOrganizationUID: t(0x0020, 0x9164),
  DimensionIndexPointer: t(0x0020, 0x9165),
  FunctionalGroupPointer: t(0x0020, 0x9167),
  DimensionOrganizationSequence: t(0x0020, 0x9221),
  DimensionIndexSequence: t(0x0020, 0x9222),
  DimensionDescriptionLabel: t(0x0020, 0x9421),
  LossyImageCompression: t(0x0028, 0x2110),
  PurposeOfReferenceCodeSequence: t(0x0040, 0xa170),
  SegmentAlgorithmType: t(0x0062, 0x0008),
  SegmentAlgorithmName: t(0x0062, 0x0009),
  ContentLabel: t(0x0070, 0x0080),
  ContentDescription: t(0x0070, 0x0081),
  ContentCreatorName: t(0x0070, 0x0084),
};

export interface DicomSegOptions {
  /** Leave out segments without voxels (default: keep them, listed without frames). */
  dropEmpty?: boolean;
  /** SegmentAlgorithmName and SeriesDescription (e.g. the model's title). */
  algorithm?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  progress?: Progress;
  /** Replace an existing output (moved aside until the new one is complete). */
  force?: boolean;
}

export interface DicomSegResult {
  file: string;
  frames: number;
  segments: number;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/** Writes a DICOM SEG for `labelMap` (same grid as `reference`, a series from scanDicom). */
export async function writeDicomSeg(
  file: string,
  labelMap: Volume,
  labels: readonly LabelEntry[],
  reference: SeriesSummary,
  options: DicomSegOptions = {},
): Promise<DicomSegResult> {
  const progress = options.progress ?? noProgress;
  if (reference.kind !== 'image' || reference.multiFrame) {
    throw new MhubError(
      'INVALID_INPUT',
      `the reference series ${reference.seriesInstanceUid} is not a single-frame image series`,
      'give the DICOM series the label map was made from as --reference',
    );
  }
  const refGeometry = seriesGeometry(reference);
  const mismatch = geometryMismatch(labelMap, refGeometry, 0.01);
  if (mismatch) {
    throw new MhubError(
      'INVALID_INPUT',
      `the label map does not lie on the reference series' grid: ${mismatch}`,
      'give the series the label map was computed from (or resample the label map onto it)',
    );
  }
  const bySlice = labelsBySlice(labelMap, labels);
  const present = new Set<number>();
  for (const seen of bySlice) for (const l of labels) if (seen[l.value]) present.add(l.value);
  const kept = labels.filter((l) => !options.dropEmpty || present.has(l.value));
  if (kept.length === 0) {
    throw new MhubError(
      'INVALID_INPUT',
      'the label map is empty, so a SEG without empty segments has no segments',
      'write it without dropping empty segments, or check the model output',
    );
  }
  const instances = reference.instances;
  const first = instances[0]!;
  const [nx, ny, nz] = labelMap.size;
  // Frames in segment order, then slice order (as dcmqi writes them).
  const packed = packFrames(labelMap, kept, bySlice, (k) => {
    if (k % 16 === 15 || k === nz - 1)
      progress({ phase: 'seg', done: k + 1, total: nz, message: 'slices packed' });
  });
  let frameList = packed.frames;
  let pixels = packed.pixels;
  if (frameList.length === 0) {
    // All segments empty: one blank frame keeps the object valid (NumberOfFrames >= 1).
    frameList = [{ segment: 1, k: 0 }];
    const bytes = Math.ceil((nx * ny) / 8);
    pixels = new Uint8Array(bytes + (bytes % 2));
  }

  const code = (c: { value: string; scheme: string; meaning: string }) => codeItem(c);
  const purpose = [
    code({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' }),
  ];
  const derivation = [code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })];
  // What a frame says about its source slice is the same for every segment: encode it once per slice.
  const perSlice = new Map<number, Encoded[]>();
  const sliceItems = (k: number): Encoded[] => {
    let items = perSlice.get(k);
    if (items) return items;
    const src = instances[k]!;
    items = [
      sq(TAGS.DerivationImageSequence, [
        [
          sq(TAGS.DerivationCodeSequence, derivation),
          sq(TAGS.SourceImageSequence, [
            [
              el(T.ReferencedSOPClassUID, 'UI', src.sopClassUid),
              el(T.ReferencedSOPInstanceUID, 'UI', src.sopInstanceUid),
              sq(TAGS.PurposeOfReferenceCodeSequence, purpose),
            ],
          ]),
        ],
      ]),
      sq(T.PlanePositionSequence, [[el(T.ImagePositionPatient, 'DS', src.position!)]]),
    ];
    perSlice.set(k, items);
    return items;
  };
  const perFrame = frameList.map((f, n) => {
    if (n % 256 === 255)
      progress({ phase: 'seg', done: n + 1, total: frameList.length, message: 'frames described' });
    return [
      ...sliceItems(f.k),
      sq(TAGS.FrameContentSequence, [[el(TAGS.DimensionIndexValues, 'UL', [f.segment, f.k + 1])]]),
      sq(T.SegmentIdentificationSequence, [[el(T.ReferencedSegmentNumber, 'US', f.segment)]]),
    ];
  });

  const algorithm = options.algorithm ?? 'mhub';
  const segments = kept.map((label, i) => {
    const typeExtra = label.modifier
      ? [sq(T.SegmentedPropertyTypeModifierCodeSequence, [codeItem(label.modifier)])]
      : [];
    const regionExtra = label.regionModifier
      ? [sq(T.AnatomicRegionModifierSequence, [codeItem(label.regionModifier)])]
      : [];
    return [
      el(T.SegmentNumber, 'US', i + 1),
      el(T.SegmentLabel, 'LO', clip(label.name)),
      el(TAGS.SegmentAlgorithmType, 'CS', 'AUTOMATIC'),
      el(TAGS.SegmentAlgorithmName, 'LO', clip(algorithm)),
      sq(T.SegmentedPropertyCategoryCodeSequence, [codeItem(label.category)]),
      sq(T.SegmentedPropertyTypeCodeSequence, [codeItem(label.type, typeExtra)]),
      ...(label.region ? [sq(T.AnatomicRegionSequence, [codeItem(label.region, regionExtra)])] : []),
      el(T.RecommendedDisplayCIELabValue, 'US', rgbToDicomLab(label.color)),
    ];
  });

  const now = nowDaTm();
  const seriesUid = newUid();
  const sopUid = newUid();
  const dimOrg = newUid();
  const thickness = first.sliceThickness ?? labelMap.spacing[2];
  const elements: Encoded[] = [
    el(TAGS.SpecificCharacterSet, 'CS', WRITTEN_CHARSET),
    el(TAGS.ImageType, 'CS', ['DERIVED', 'PRIMARY']),
    el(TAGS.InstanceCreationDate, 'DA', now.da),
    el(TAGS.InstanceCreationTime, 'TM', now.tm),
    el(T.SOPClassUID, 'UI', SEG_SOP_CLASS),
    el(T.SOPInstanceUID, 'UI', sopUid),
    el(T.StudyDate, 'DA', first.studyDate),
    el(TAGS.SeriesDate, 'DA', now.da),
    el(TAGS.ContentDate, 'DA', now.da),
    el(T.StudyTime, 'TM', first.studyTime),
    el(TAGS.SeriesTime, 'TM', now.tm),
    el(TAGS.ContentTime, 'TM', now.tm),
    el(T.AccessionNumber, 'SH', first.accessionNumber),
    el(T.Modality, 'CS', 'SEG'),
    el(T.Manufacturer, 'LO', 'mhub'),
    el(TAGS.ReferringPhysicianName, 'PN', ''),
    el(T.StudyDescription, 'LO', first.studyDescription),
    el(T.SeriesDescription, 'LO', clip(options.seriesDescription ?? `${algorithm} segmentation`)),
    el(TAGS.ManufacturerModelName, 'LO', 'mhub convert'),
    sq(T.ReferencedSeriesSequence, [
      [
        sq(
          TAGS.ReferencedInstanceSequence,
          instances.map((i) => [
            el(T.ReferencedSOPClassUID, 'UI', i.sopClassUid),
            el(T.ReferencedSOPInstanceUID, 'UI', i.sopInstanceUid),
          ]),
        ),
        el(T.SeriesInstanceUID, 'UI', reference.seriesInstanceUid),
      ],
    ]),
    el(T.PatientName, 'PN', first.patientName),
    el(T.PatientID, 'LO', first.patientId),
    el(T.PatientBirthDate, 'DA', first.patientBirthDate),
    el(T.PatientSex, 'CS', first.patientSex),
    el(TAGS.DeviceSerialNumber, 'LO', '1'),
    el(TAGS.SoftwareVersions, 'LO', '0.1.0'),
    el(T.StudyInstanceUID, 'UI', first.studyInstanceUid),
    el(T.SeriesInstanceUID, 'UI', seriesUid),
    el(T.StudyID, 'SH', first.studyId),
    el(T.SeriesNumber, 'IS', options.seriesNumber ?? 300),
    el(T.InstanceNumber, 'IS', 1),
    el(T.FrameOfReferenceUID, 'UI', first.frameOfReferenceUid ?? newUid()),
    el(TAGS.PositionReferenceIndicator, 'LO', ''),
    sq(TAGS.DimensionOrganizationSequence, [[el(TAGS.DimensionOrganizationUID, 'UI', dimOrg)]]),
    sq(TAGS.DimensionIndexSequence, [
      [
        el(TAGS.DimensionOrganizationUID, 'UI', dimOrg),
        el(TAGS.DimensionIndexPointer, 'AT', T.ReferencedSegmentNumber),
        el(TAGS.FunctionalGroupPointer, 'AT', T.SegmentIdentificationSequence),
        el(TAGS.DimensionDescriptionLabel, 'LO', 'ReferencedSegmentNumber'),
      ],
      [
        el(TAGS.DimensionOrganizationUID, 'UI', dimOrg),
        el(TAGS.DimensionIndexPointer, 'AT', T.ImagePositionPatient),
        el(TAGS.FunctionalGroupPointer, 'AT', T.PlanePositionSequence),
        el(TAGS.DimensionDescriptionLabel, 'LO', 'ImagePositionPatient'),
      ],
    ]),
    el(T.SamplesPerPixel, 'US', 1),
    el(T.PhotometricInterpretation, 'CS', 'MONOCHROME2'),
    el(T.NumberOfFrames, 'IS', frameList.length),
    el(T.Rows, 'US', ny),
    el(T.Columns, 'US', nx),
    el(T.BitsAllocated, 'US', 1),
    el(T.BitsStored, 'US', 1),
    el(T.HighBit, 'US', 0),
    el(T.PixelRepresentation, 'US', 0),
    el(TAGS.LossyImageCompression, 'CS', '00'),
    el(T.SegmentationType, 'CS', 'BINARY'),
    sq(T.SegmentSequence, segments),
    el(TAGS.ContentLabel, 'CS', 'SEGMENTATION'),
    el(TAGS.ContentDescription, 'LO', clip(`${algorithm} segmentation`)),
    el(TAGS.ContentCreatorName, 'PN', ''),
    sq(T.SharedFunctionalGroupsSequence, [
      [
        sq(T.PixelMeasuresSequence, [
          [
            el(T.PixelSpacing, 'DS', first.pixelSpacing!),
            el(T.SliceThickness, 'DS', thickness),
            el(T.SpacingBetweenSlices, 'DS', labelMap.spacing[2]),
          ],
        ]),
        sq(T.PlaneOrientationSequence, [[el(T.ImageOrientationPatient, 'DS', first.orientation!)]]),
      ],
    ]),
    sq(T.PerFrameFunctionalGroupsSequence, perFrame),
  ];
  const head = Buffer.concat([fileMeta(SEG_SOP_CLASS, sopUid), dataset(elements)]);
  await writeAtomic(
    file,
    (temp) => {
      const fd = openSync(temp, 'w');
      try {
        writeAll(fd, head, file);
        writeAll(fd, pixelDataHeader('OB', pixels.byteLength), file);
        writeAll(fd, pixels, file);
      } finally {
        closeSync(fd);
      }
    },
    { force: options.force },
  );
  return {
    file,
    frames: frameList.length,
    segments: kept.length,
    seriesInstanceUid: seriesUid,
    sopInstanceUid: sopUid,
  };
}
