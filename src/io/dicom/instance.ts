// One DICOM file's header, read without its pixel data: what discovery and conversion need.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { add, cross, scale, type Vec3 } from '../volume.ts';
import { T } from './dictionary.ts';
import { type MosaicInfo, parseCsa } from './mosaic.ts';
import {
  type DataSet,
  EXPLICIT_BE,
  hasDicmPrefix,
  type ParsedFile,
  ParseError,
  parseDicom,
  TruncatedError,
  UnsupportedEncodingError,
} from './parse.ts';
import { frameBytes } from './pixels.ts';

export interface Instance {
  path: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  transferSyntax: string;
  instanceNumber?: number;
  acquisitionNumber?: number;
  seriesNumber?: number;
  seriesDescription?: string;
  studyDescription?: string;
  studyDate?: string;
  studyTime?: string;
  studyId?: string;
  accessionNumber?: string;
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  patientSex?: string;
  frameOfReferenceUid?: string;
  rows?: number;
  columns?: number;
  frames: number;
  samplesPerPixel: number;
  photometric?: string;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  /** ImagePositionPatient (LPS mm) */
  position?: Vec3;
  /** ImageOrientationPatient: row direction then column direction. */
  orientation?: [number, number, number, number, number, number];
  /** PixelSpacing: between rows, then between columns (mm). */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  imageType: string[];
  /** Included in rescaleSlope: RT Dose's stored-to-Gy factor. */
  doseGridScaling?: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Native pixel data: offset and length; undefined when absent or encapsulated. */
  pixelOffset?: number;
  pixelLength?: number;
  /**
   * Where pixelOffset points: the file, or the inflated dataset of a deflated file (which
   * must be inflated again to read the pixels).
   */
  pixelSource: 'file' | 'inflated';
  /** Deflated files: the most the dataset may inflate to, from what its header declares. */
  inflatedLimit?: number;
  /** Explicit VR big endian: pixel words are swapped on reading. */
  bigEndian: boolean;
  encapsulated: boolean;
  /** Siemens MOSAIC: how many slices the one frame tiles. */
  mosaic?: MosaicInfo;
  /** A slice cut from a MOSAIC frame: which tile, and the whole frame's layout. */
  tile?: { index: number; perSide: number; mosaicColumns: number; mosaicRows: number };
  /** RT Dose: offsets of the frames along the slice normal (GridFrameOffsetVector). */
  gridFrameOffsets?: number[];
  /** Multi-frame images (Enhanced CT/MR...): each frame's plane from the functional groups. */
  framePlanes?: FramePlane[];
  /** For a frame of a multi-frame file: its 1-based frame number. */
  frameNumber?: number;
  /** Text that could not be decoded cleanly in its character set (see charset.ts). */
  textWarnings?: string[];
}

export interface FramePlane {
  position?: Vec3;
  orientation?: Instance['orientation'];
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  rescaleSlope: number;
  rescaleIntercept: number;
}

// Per-frame values, from the frame's own functional group or else the shared one.
function framePlanes(d: DataSet): FramePlane[] | undefined {
  const perFrame = d.seq(T.PerFrameFunctionalGroupsSequence);
  if (perFrame.length === 0) return undefined;
  const shared = d.seq(T.SharedFunctionalGroupsSequence)[0];
  const get = (frame: DataSet, seqTag: number, valueTag: number): number[] => {
    const own = frame.seq(seqTag)[0];
    if (own?.has(valueTag)) return own.numbers(valueTag);
    return shared?.seq(seqTag)[0]?.numbers(valueTag) ?? [];
  };
  return perFrame.map((f) => ({
    position: vec(get(f, T.PlanePositionSequence, T.ImagePositionPatient), 3) as Vec3 | undefined,
    orientation: vec(
      get(f, T.PlaneOrientationSequence, T.ImageOrientationPatient),
      6,
    ) as Instance['orientation'],
    pixelSpacing: vec(get(f, T.PixelMeasuresSequence, T.PixelSpacing), 2) as [number, number] | undefined,
    sliceThickness: get(f, T.PixelMeasuresSequence, T.SliceThickness)[0],
    rescaleSlope: get(f, T.PixelValueTransformationSequence, T.RescaleSlope)[0] ?? 1,
    rescaleIntercept: get(f, T.PixelValueTransformationSequence, T.RescaleIntercept)[0] ?? 0,
  }));
}

/** A native multi-frame instance as one pseudo-instance per frame (pixel offsets per frame). */
export function expandFrames(i: Instance): Instance[] | undefined {
  const planes = i.framePlanes ?? gridPlanes(i);
  if (!planes || planes.length !== i.frames || i.pixelOffset === undefined) return undefined;
  const frameBytes = (i.rows ?? 0) * (i.columns ?? 0) * ((i.bitsAllocated ?? 0) / 8) * i.samplesPerPixel;
  if (frameBytes <= 0 || (i.pixelLength ?? 0) < frameBytes * i.frames) return undefined;
  return planes.map((p, f) => {
    const { framePlanes: _all, ...rest } = i;
    return {
      ...rest,
      ...p,
      frames: 1,
      frameNumber: f + 1,
      instanceNumber: f + 1,
      pixelOffset: i.pixelOffset! + f * frameBytes,
      pixelLength: frameBytes,
    };
  });
}

/**
 * RT Dose frames: one plane, repeated along the normal at GridFrameOffsetVector. Offsets are
 * relative when the first is 0, else absolute (PS3.3 C.8.8.3.2); both become relative here.
 */
function gridPlanes(i: Instance): FramePlane[] | undefined {
  const offsets = i.gridFrameOffsets;
  if (!offsets || !i.position || !i.orientation || offsets.length !== i.frames) return undefined;
  const o = i.orientation;
  const normal = cross([o[0], o[1], o[2]], [o[3], o[4], o[5]]);
  return offsets.map((z) => ({
    position: add(i.position!, scale(normal, z - offsets[0]!)),
    orientation: o,
    pixelSpacing: i.pixelSpacing,
    sliceThickness: i.sliceThickness,
    rescaleSlope: i.rescaleSlope,
    rescaleIntercept: i.rescaleIntercept,
  }));
}

const HEAD_BYTES = 16 * 1024;

export type ReadHeaderResult =
  | { ok: true; instance: Instance }
  | { ok: false; reason: 'not-dicom' }
  | { ok: false; reason: 'corrupt' | 'unsupported'; detail: string };

/** Reads a file's header (first 16 KiB, or the whole file when the header is longer). */
export function readInstanceHeader(path: string): ReadHeaderResult {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES));
    readSync(fd, buf, 0, buf.length, 0);
    if (!hasDicmPrefix(buf)) return { ok: false, reason: 'not-dicom' };
    let parsed: ParsedFile;
    try {
      parsed = parseDicom(buf, { headerOnly: true });
    } catch (error) {
      if (!(error instanceof TruncatedError) || buf.length === size) throw error;
      buf = Buffer.allocUnsafe(size);
      readSync(fd, buf, 0, size, 0);
      parsed = parseDicom(buf, { headerOnly: true });
    }
    const instance = instanceFromDataset(path, parsed);
    if (
      instance.pixelSource === 'file' &&
      instance.pixelOffset !== undefined &&
      instance.pixelOffset + (instance.pixelLength ?? 0) > size
    ) {
      return { ok: false, reason: 'corrupt', detail: 'the file ends before its pixel data does' };
    }
    if (instance.pixelSource === 'inflated' && instance.pixelOffset !== undefined) {
      // The header says how much pixel data there is; the inflated stream may not hold more.
      const declared = frameBytes(instance) * instance.frames;
      if ((instance.pixelLength ?? 0) > declared + 1024 * 1024)
        return {
          ok: false,
          reason: 'corrupt',
          detail: `its deflated pixel data claims ${instance.pixelLength} bytes where its header (Rows, Columns, NumberOfFrames, BitsAllocated) declares ${declared}`,
        };
      instance.inflatedLimit = instance.pixelOffset + declared + 1024 * 1024;
    }
    return { ok: true, instance };
  } catch (error) {
    if (error instanceof UnsupportedEncodingError)
      return { ok: false, reason: 'unsupported', detail: error.message };
    if (error instanceof ParseError) return { ok: false, reason: 'corrupt', detail: error.message };
    throw error;
  } finally {
    closeSync(fd);
  }
}

const vec = <N extends number>(values: number[], n: N) =>
  values.length === n && values.every(Number.isFinite) ? values : undefined;

export function instanceFromDataset(path: string, parsed: ParsedFile): Instance {
  const d: DataSet = parsed.dataset;
  const s = (t: number) => d.string(t) || undefined;
  const pixel = parsed.pixelData;
  const imageType = d.strings(T.ImageType).map((v) => v.toUpperCase());
  return {
    path,
    sopClassUid: d.string(T.SOPClassUID) ?? '',
    sopInstanceUid: d.string(T.SOPInstanceUID) ?? '',
    studyInstanceUid: d.string(T.StudyInstanceUID) ?? '',
    seriesInstanceUid: d.string(T.SeriesInstanceUID) ?? '',
    modality: d.string(T.Modality) ?? '',
    transferSyntax: parsed.transferSyntax,
    instanceNumber: d.number(T.InstanceNumber),
    acquisitionNumber: d.number(T.AcquisitionNumber),
    seriesNumber: d.number(T.SeriesNumber),
    seriesDescription: s(T.SeriesDescription),
    studyDescription: s(T.StudyDescription),
    studyDate: s(T.StudyDate),
    studyTime: s(T.StudyTime),
    studyId: s(T.StudyID),
    accessionNumber: s(T.AccessionNumber),
    patientName: s(T.PatientName),
    patientId: s(T.PatientID),
    patientBirthDate: s(T.PatientBirthDate),
    patientSex: s(T.PatientSex),
    frameOfReferenceUid: s(T.FrameOfReferenceUID),
    rows: d.number(T.Rows),
    columns: d.number(T.Columns),
    frames: d.number(T.NumberOfFrames) ?? 1,
    samplesPerPixel: d.number(T.SamplesPerPixel) ?? 1,
    photometric: s(T.PhotometricInterpretation),
    bitsAllocated: d.number(T.BitsAllocated),
    bitsStored: d.number(T.BitsStored),
    pixelRepresentation: d.number(T.PixelRepresentation),
    position: vec(d.numbers(T.ImagePositionPatient), 3) as Vec3 | undefined,
    orientation: vec(d.numbers(T.ImageOrientationPatient), 6) as Instance['orientation'],
    pixelSpacing: vec(d.numbers(T.PixelSpacing), 2) as [number, number] | undefined,
    sliceThickness: d.number(T.SliceThickness),
    spacingBetweenSlices: positive(d.number(T.SpacingBetweenSlices)),
    imageType,
    // RT Dose stores its scale apart from the rescale pair (PS3.3 C.8.8.3): stored x scaling = Gy.
    rescaleSlope: (d.number(T.RescaleSlope) ?? 1) * (d.number(T.DoseGridScaling) ?? 1),
    doseGridScaling: d.number(T.DoseGridScaling),
    rescaleIntercept: d.number(T.RescaleIntercept) ?? 0,
    pixelOffset: pixel && pixel.length >= 0 ? pixel.offset : undefined,
    pixelLength: pixel && pixel.length >= 0 ? pixel.length : undefined,
    pixelSource: parsed.layout,
    bigEndian: parsed.transferSyntax === EXPLICIT_BE,
    encapsulated: pixel !== undefined && pixel.length < 0,
    ...(imageType.includes('MOSAIC') ? { mosaic: mosaicInfo(d) } : {}),
    ...(d.has(T.GridFrameOffsetVector) ? { gridFrameOffsets: d.numbers(T.GridFrameOffsetVector) } : {}),
    ...((d.number(T.NumberOfFrames) ?? 1) > 1 ? { framePlanes: framePlanes(d) } : {}),
    // Last: filled by the string reads above.
    ...(d.charset.warnings.length ? { textWarnings: d.charset.warnings } : {}),
  };
}

const positive = (v: number | undefined): number | undefined => (v !== undefined && v > 0 ? v : undefined);

/** NumberOfImagesInMosaic and the slice normal, from the CSA header or Siemens' private tag. */
function mosaicInfo(d: DataSet): MosaicInfo {
  const csa = d.string(T.SiemensCsaImageHeaderCreator)?.startsWith('SIEMENS CSA HEADER')
    ? parseCsa(d.bytes(T.SiemensCsaImageHeader))
    : new Map<string, string[]>();
  const fromCsa = Number(csa.get('NumberOfImagesInMosaic')?.[0]);
  const fromTag =
    d.string(T.SiemensMrHeaderCreator) === 'SIEMENS MR HEADER'
      ? d.number(T.SiemensNumberOfImagesInMosaic)
      : undefined;
  const normal = (csa.get('SliceNormalVector') ?? []).map(Number);
  return {
    count: fromCsa > 0 ? fromCsa : (fromTag ?? 0),
    ...(normal.length === 3 && normal.every(Number.isFinite) && normal.some((v) => v !== 0)
      ? { sliceNormal: normal as Vec3 }
      : {}),
  };
}
