// One DICOM file's header, read without its pixel data: what discovery and conversion need.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Vec3 } from '../volume.ts';
import { T } from './dictionary.ts';
import {
  type DataSet,
  hasDicmPrefix,
  type ParsedFile,
  ParseError,
  parseDicom,
  TruncatedError,
  UnsupportedEncodingError,
} from './parse.ts';

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
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Native pixel data: offset and length in the file; undefined when absent or encapsulated. */
  pixelOffset?: number;
  pixelLength?: number;
  encapsulated: boolean;
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
  const planes = i.framePlanes;
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
    if (instance.pixelOffset !== undefined && instance.pixelOffset + (instance.pixelLength ?? 0) > size) {
      return { ok: false, reason: 'corrupt', detail: 'the file ends before its pixel data does' };
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
    rescaleSlope: d.number(T.RescaleSlope) ?? 1,
    rescaleIntercept: d.number(T.RescaleIntercept) ?? 0,
    pixelOffset: pixel && pixel.length >= 0 ? pixel.offset : undefined,
    pixelLength: pixel && pixel.length >= 0 ? pixel.length : undefined,
    encapsulated: pixel !== undefined && pixel.length < 0,
    ...((d.number(T.NumberOfFrames) ?? 1) > 1 ? { framePlanes: framePlanes(d) } : {}),
    // Last: filled by the string reads above.
    ...(d.charset.warnings.length ? { textWarnings: d.charset.warnings } : {}),
  };
}
