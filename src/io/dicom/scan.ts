// DICOM discovery: walk a folder tree reading headers only, group files by study and series,
// sort slices along the slice normal and explain what would stop a series from being a volume.
import { closeSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../../errors.ts';
import { realFiles } from '../../fsafe/index.ts';
import { noProgress, type Progress } from '../../progress.ts';
import { cross, dot, type Vec3 } from '../volume.ts';
import { textWarnings } from './charset.ts';
import { ITK_DECODABLE } from './decode-itk.ts';
import { expandFrames, type Instance, readInstanceHeader } from './instance.ts';
import { expandMosaic } from './mosaic.ts';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from './parse.ts';
import { frameBytes } from './pixels.ts';

export type SeriesKind = 'image' | 'seg' | 'rtstruct' | 'sr' | 'other';

export interface SeriesSummary {
  seriesInstanceUid: string;
  /** What --series takes: the SeriesInstanceUID, or a stand-in for objects that lack one. */
  key: string;
  studyInstanceUid: string;
  modality: string;
  description?: string;
  seriesNumber?: number;
  kind: SeriesKind;
  instanceCount: number;
  /** Frames over all instances (one per file unless multi-frame). */
  frameCount: number;
  multiFrame: boolean;
  transferSyntaxes: string[];
  /** False when pixel data uses a transfer syntax this reader cannot decode. */
  decodable: boolean;
  /** Reasons this series cannot be read as one volume; empty when it can. */
  problems: string[];
  /** Instances, image series sorted along the slice normal. */
  instances: Instance[];
  /** Text (names, descriptions) that had to be repaired while decoding; empty when none. */
  warnings: string[];
}

export interface StudySummary {
  studyInstanceUid: string;
  patientId?: string;
  patientName?: string;
  studyDate?: string;
  description?: string;
  series: SeriesSummary[];
}

export interface DicomScan {
  root: string;
  /** Files looked at. */
  fileCount: number;
  /** Files that are not DICOM (skipped and counted). */
  skipped: string[];
  /** DICOM files that could not be read (skipped with a warning naming each). */
  unreadable: { file: string; reason: string }[];
  studies: StudySummary[];
  /** All series, studies in order. */
  series: SeriesSummary[];
}

const SOP = {
  seg: '1.2.840.10008.5.1.4.1.1.66.4',
  rtstruct: '1.2.840.10008.5.1.4.1.1.481.3',
  srPrefix: '1.2.840.10008.5.1.4.1.1.88.',
};

const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
  '1.2.840.10008.1.2.4.50': 'JPEG baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG extended',
  '1.2.840.10008.1.2.4.57': 'JPEG lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE lossless',
  '1.2.840.10008.1.2.4.201': 'HTJ2K lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.2': 'explicit VR big endian',
  '1.2.840.10008.1.2.1.99': 'deflated',
};

export const transferSyntaxName = (uid: string): string =>
  TRANSFER_SYNTAX_NAMES[uid] ? `${TRANSFER_SYNTAX_NAMES[uid]} (${uid})` : uid;

/** Uncompressed pixel data, whatever the dataset's encoding. */
export function isNativeTransferSyntax(uid: string): boolean {
  return uid === EXPLICIT_LE || uid === IMPLICIT_LE || uid === EXPLICIT_BE || uid === DEFLATED_LE;
}

async function listFiles(root: string): Promise<string[]> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new MhubError('NOT_FOUND', `${root} does not exist`, 'give a DICOM folder or file');
  if (info.isFile()) return [root];
  // Symlinked files count as their targets (src/fsafe), as they do when staged for either backend.
  return (await realFiles(root)).map((f) => path.join(root, f.rel));
}

function kindOf(i: Instance): SeriesKind {
  if (i.sopClassUid === SOP.seg || i.modality === 'SEG') return 'seg';
  if (i.sopClassUid === SOP.rtstruct || i.modality === 'RTSTRUCT') return 'rtstruct';
  if (i.sopClassUid.startsWith(SOP.srPrefix) || i.modality === 'SR') return 'sr';
  if (i.rows && i.columns && (i.pixelOffset !== undefined || i.encapsulated)) return 'image';
  return 'other';
}

/** Scans a folder tree (or one file) for DICOM, reading headers only. */
export async function scanDicom(root: string, options: { progress?: Progress } = {}): Promise<DicomScan> {
  const progress = options.progress ?? noProgress;
  const files = await listFiles(root);
  if (files.length === 1 && files[0] === root) {
    // One file named on the command line: not DICOM is an error, as it is for --to.
    const one = readHeaderOrWhy(root);
    if (!one.ok && one.reason === 'not-dicom') throw notDicom(root);
  }
  const skipped: string[] = [];
  const unreadable: DicomScan['unreadable'] = [];
  const bySeries = new Map<string, Instance[]>();
  for (let n = 0; n < files.length; n++) {
    const file = files[n]!;
    const result = readHeaderOrWhy(file);
    if (!result.ok) {
      // One bad file must not hide the good series next to it: it is named and left out.
      if (result.reason === 'not-dicom') skipped.push(file);
      else unreadable.push({ file, reason: result.detail });
    } else {
      const key = seriesKey(root, result.instance);
      const list = bySeries.get(key) ?? [];
      list.push(result.instance);
      bySeries.set(key, list);
    }
    if (n % 64 === 63 || n === files.length - 1) {
      progress({ phase: 'scan', done: n + 1, total: files.length, message: 'DICOM headers' });
      // Let timers and signals run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const series = [...bySeries.entries()].map(([key, list]) => summariseSeries(key, list));
  const studies = new Map<string, StudySummary>();
  for (const s of series) {
    const first = s.instances[0]!;
    const study = studies.get(s.studyInstanceUid) ?? {
      studyInstanceUid: s.studyInstanceUid,
      patientId: first.patientId,
      patientName: first.patientName,
      studyDate: first.studyDate,
      description: first.studyDescription,
      series: [],
    };
    study.series.push(s);
    studies.set(s.studyInstanceUid, study);
  }
  const studyList = [...studies.values()];
  for (const st of studyList) st.series.sort((a, b) => (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0));
  return {
    root,
    fileCount: files.length,
    skipped,
    unreadable,
    studies: studyList,
    series: studyList.flatMap((st) => st.series),
  };
}

function readHeaderOrWhy(file: string): ReturnType<typeof readInstanceHeader> {
  try {
    return readInstanceHeader(file);
  } catch (error) {
    // An unreadable file (permissions, a vanished file) is reported like a damaged one.
    return { ok: false, reason: 'corrupt', detail: (error as Error).message };
  }
}

/** The refusal for a file that is not DICOM Part 10 (shared by --list and --to). */
export function notDicom(file: string): MhubError {
  const head = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  // A bare dataset (no preamble, no "DICM") usually starts with group 0002 or 0008.
  const groups = [head.readUInt16LE(0), head.readUInt16BE(0)];
  if (groups.some((g) => g === 0x0002 || g === 0x0008)) {
    return new MhubError(
      'INVALID_INPUT',
      `${file} looks like a DICOM dataset without the Part 10 header (no "DICM" at byte 128), which mhub does not read`,
      `add the header first, e.g. 'dcmconv +F ${file} fixed.dcm'`,
    );
  }
  return new MhubError(
    'INVALID_INPUT',
    `${file} is not a format mhub reads`,
    'give a DICOM folder or file, .nii / .nii.gz, .nrrd or .seg.nrrd',
  );
}

/** Objects without a SeriesInstanceUID are grouped by folder and SeriesNumber, as dcm2niix does. */
function seriesKey(root: string, i: Instance): string {
  if (i.seriesInstanceUid) return i.seriesInstanceUid;
  const folder = path.relative(root, path.dirname(i.path));
  const where = folder === '' || folder.startsWith('..') ? '.' : folder;
  return `no-uid:${where}${i.seriesNumber !== undefined ? `:${i.seriesNumber}` : ''}${i.modality ? `:${i.modality}` : ''}`;
}

/** Native pixel data shorter than Rows x Columns x frames x BitsAllocated says. */
function shortPixelData(instances: Instance[]): string[] {
  const out: string[] = [];
  for (const i of instances) {
    if (i.encapsulated || i.pixelOffset === undefined) continue;
    const need = frameBytes(i) * i.frames;
    if ((i.pixelLength ?? 0) < need) {
      out.push(
        `${i.path} declares ${i.columns}x${i.rows} pixels x ${i.frames} frame(s) x ${i.samplesPerPixel} sample(s) x ${i.bitsAllocated} bits (${need} bytes) but holds ${i.pixelLength ?? 0} bytes of pixel data; replace it with an intact copy`,
      );
    }
  }
  return out;
}

function summariseSeries(key: string, instances: Instance[]): SeriesSummary {
  const first = instances[0]!;
  const kind = kindOf(first);
  const transferSyntaxes = [...new Set(instances.map((i) => i.transferSyntax))];
  const decodable = transferSyntaxes.every((t) => isNativeTransferSyntax(t) || ITK_DECODABLE.has(t));
  const multiFrame = instances.some((i) => i.frames > 1);
  const problems: string[] = [];
  if (kind === 'image') {
    if (!decodable) {
      const bad = transferSyntaxes
        .filter((t) => !isNativeTransferSyntax(t) && !ITK_DECODABLE.has(t))
        .map(transferSyntaxName);
      problems.push(
        `its pixel data is compressed as ${bad.join(', ')}, which this reader cannot decode (decompress it first, e.g. with 'gdcmconv --raw' or 'dcmdjpeg')`,
      );
    }
    const colour = instances.find((i) => i.samplesPerPixel !== 1);
    if (colour)
      problems.push(
        `it is a colour image (SamplesPerPixel ${colour.samplesPerPixel}, ${colour.photometric ?? 'no PhotometricInterpretation'}); mhub reads greyscale volumes, so convert it to greyscale first`,
      );
    const short = colour ? [] : shortPixelData(instances);
    const mosaics = instances.filter((i) => i.mosaic).length;
    if (short.length > 0) problems.push(...short.slice(0, 3));
    else if (mosaics > 0) problems.push(...expandMosaics(instances));
    const frames =
      short.length === 0 && mosaics === 0 && multiFrame && instances.length === 1
        ? expandFrames(first)
        : undefined;
    if (short.length > 0 || mosaics > 0) {
      // Already explained (or already expanded) above.
    } else if (frames) {
      // One native multi-frame file (Enhanced CT/MR): its frames are the slices.
      instances.splice(0, 1, ...frames);
      problems.push(...sortSlices(instances));
    } else if (multiFrame) {
      problems.push(
        `it is multi-frame (${instances.length} file(s) holding ${instances.reduce((n, i) => n + i.frames, 0)} frames) in a form this reader does not take apart (${first.encapsulated ? 'compressed frames' : 'several files or no per-frame positions'})`,
      );
    } else problems.push(...sortSlices(instances));
  } else {
    problems.push(
      `it is a ${kind === 'other' ? first.modality || 'non-image' : kind.toUpperCase()} object, not an image series`,
    );
  }
  return {
    seriesInstanceUid: first.seriesInstanceUid,
    key,
    studyInstanceUid: first.studyInstanceUid,
    modality: first.modality,
    description: first.seriesDescription,
    seriesNumber: first.seriesNumber,
    kind,
    instanceCount: new Set(instances.map((i) => i.path)).size,
    frameCount: instances.reduce((n, i) => n + i.frames, 0),
    multiFrame,
    transferSyntaxes,
    decodable,
    problems,
    instances,
    warnings: textWarnings(instances),
  };
}

/** One MOSAIC file becomes its slices (in place); several are a 4-D series, refused. */
function expandMosaics(instances: Instance[]): string[] {
  const first = instances[0]!;
  if (instances.length > 1) {
    return [
      `it holds ${instances.length} Siemens MOSAIC volumes (a time series or diffusion directions), and mhub reads one 3-D volume: convert one of them by giving its file, e.g. ${first.path}`,
    ];
  }
  if (!first.mosaic || first.mosaic.count < 1)
    return ['it is a Siemens MOSAIC without NumberOfImagesInMosaic, so its tiles cannot be told apart'];
  if (first.encapsulated || first.frames > 1)
    return [
      "it is a compressed or multi-frame Siemens MOSAIC; decompress it first, e.g. with 'gdcmconv --raw'",
    ];
  const slices = expandMosaic(first);
  if (typeof slices === 'string') return [slices];
  instances.splice(0, 1, ...slices);
  return sortSlices(instances);
}

/** Sorts single-frame slices along the slice normal (in place); returns what is wrong. */
export function sortSlices(instances: Instance[]): string[] {
  const problems: string[] = [];
  const first = instances[0]!;
  if (instances.some((i) => !i.position || !i.orientation || !i.pixelSpacing)) {
    problems.push(
      'some slices lack ImagePositionPatient, ImageOrientationPatient or PixelSpacing, so their place in the patient is unknown (common for secondary captures, ultrasound and NM): mhub converts only images with patient geometry',
    );
    instances.sort((a, b) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0));
    return problems;
  }
  const o = first.orientation!;
  const distinct = new Set<string>();
  for (const i of instances) {
    if (i.orientation!.some((v, k) => Math.abs(v - o[k]!) > 1e-4)) distinct.add(i.orientation!.join('\\'));
  }
  if (distinct.size > 0) {
    problems.push(
      `it mixes ${distinct.size + 1} slice orientations (e.g. a localizer or several planes in one series); pick a series with one orientation`,
    );
  }
  if (instances.some((i) => i.rows !== first.rows || i.columns !== first.columns)) {
    problems.push('its slices differ in rows or columns');
  }
  const normal = cross(o.slice(0, 3) as Vec3, o.slice(3, 6) as Vec3);
  const where = new Map<Instance, number>(instances.map((i) => [i, dot(i.position!, normal)]));
  instances.sort(
    (a, b) => where.get(a)! - where.get(b)! || (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0),
  );
  if (instances.length < 2) return problems;
  const gaps: number[] = [];
  for (let k = 1; k < instances.length; k++)
    gaps.push(where.get(instances[k]!)! - where.get(instances[k - 1]!)!);
  const duplicates = gaps.filter((g) => Math.abs(g) < 1e-3).length;
  if (duplicates > 0) {
    problems.push(
      `${duplicates + 1} or more slices share a position (several acquisitions, echoes or time points in one series)`,
    );
    return problems;
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const tolerance = Math.max(0.01, median * 0.01);
  const uneven = gaps.filter((g) => Math.abs(g - median) > tolerance);
  if (uneven.length > 0) {
    const missing = Math.round(gaps.reduce((n, g) => n + Math.max(0, Math.round(g / median) - 1), 0));
    problems.push(
      `its slice spacing is uneven (gaps from ${sorted[0]!.toFixed(3)} to ${sorted.at(-1)!.toFixed(3)} mm${
        missing > 0 ? `; about ${missing} slice(s) missing` : ''
      }); add the missing files or export the series again`,
    );
  }
  return problems;
}

/** The one image series a conversion should read: by UID when given, else the only one. */
export function pickSeries(scan: DicomScan, seriesUid?: string): SeriesSummary {
  if (seriesUid) {
    const found = scan.series.find((s) => s.key === seriesUid);
    if (!found)
      throw new MhubError(
        'NOT_FOUND',
        `${scan.root} holds no series ${seriesUid}${unreadableNote(scan)}`,
        `pick one of: ${scan.series.map((s) => s.key).join(', ') || '(none)'}`,
      );
    return found;
  }
  if (scan.series.length === 0) {
    throw new MhubError(
      'INVALID_INPUT',
      `${scan.root} holds no readable DICOM files${scan.skipped.length ? ` (${scan.skipped.length} other file(s) skipped)` : ''}${unreadableNote(scan)}`,
      scan.unreadable.length
        ? 'replace the damaged files with intact copies'
        : 'give the folder that holds the DICOM series',
    );
  }
  const images = scan.series.filter((s) => s.kind === 'image');
  if (images.length === 1) return images[0]!;
  const listing = scan.series.map(describeSeries).join('; ');
  if (images.length === 0)
    throw new MhubError(
      'INVALID_INPUT',
      `${scan.root} holds no image series, only: ${listing}`,
      'give a folder with an image series',
    );
  throw new MhubError(
    'INVALID_INPUT',
    `${scan.root} holds ${images.length} image series, and one is needed: ${images.map(describeSeries).join('; ')}`,
    `pick one with --series <SeriesInstanceUID>, e.g. --series ${images[0]!.key}`,
  );
}

function unreadableNote(scan: DicomScan): string {
  if (scan.unreadable.length === 0) return '';
  const shown = scan.unreadable.slice(0, 3).map((u) => `${u.file}: ${u.reason}`);
  return `; ${scan.unreadable.length} unreadable file(s) left out (${shown.join('; ')}${scan.unreadable.length > 3 ? '; ...' : ''})`;
}

/** Warnings for the files a scan left out, one per file. */
export function scanWarnings(scan: DicomScan): string[] {
  return scan.unreadable.map((u) => `${u.file} was skipped: ${u.reason}`);
}

export function describeSeries(s: SeriesSummary): string {
  const id = s.seriesInstanceUid || `${s.key} (no SeriesInstanceUID)`;
  return `${id} (${s.modality || '?'}${s.description ? ` "${s.description}"` : ''}, ${s.instanceCount} file(s))`;
}
