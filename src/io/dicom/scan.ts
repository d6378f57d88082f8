// DICOM discovery: walk a folder tree reading headers only, group files by study and series,
// sort slices along the slice normal and explain what would stop a series from being a volume.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../../errors.ts';
import { realFiles } from '../../fsafe/index.ts';
import { noProgress, type Progress } from '../../progress.ts';
import { cross, dot, type Vec3 } from '../volume.ts';
import { ITK_DECODABLE } from './decode-itk.ts';
import { expandFrames, type Instance, readInstanceHeader } from './instance.ts';
import { EXPLICIT_LE, IMPLICIT_LE } from './parse.ts';

export type SeriesKind = 'image' | 'seg' | 'rtstruct' | 'sr' | 'other';

export interface SeriesSummary {
  seriesInstanceUid: string;
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

export function isNativeTransferSyntax(uid: string): boolean {
  return uid === EXPLICIT_LE || uid === IMPLICIT_LE;
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
  const skipped: string[] = [];
  const bySeries = new Map<string, Instance[]>();
  for (let n = 0; n < files.length; n++) {
    const file = files[n]!;
    const result = readInstanceHeader(file);
    if (!result.ok) {
      if (result.reason === 'not-dicom') skipped.push(file);
      else if (result.reason === 'unsupported')
        throw new MhubError(
          'INVALID_INPUT',
          `${file} cannot be read: ${result.detail}`,
          "convert it to explicit VR little endian first, e.g. with 'gdcmconv --raw'",
        );
      else
        throw new MhubError(
          'INVALID_INPUT',
          `${file} is a damaged DICOM file: ${result.detail}`,
          'remove or replace that file, then run again',
        );
    } else {
      const key = result.instance.seriesInstanceUid;
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
  const series = [...bySeries.values()].map(summariseSeries);
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
    studies: studyList,
    series: studyList.flatMap((st) => st.series),
  };
}

function summariseSeries(instances: Instance[]): SeriesSummary {
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
    const frames = multiFrame && instances.length === 1 ? expandFrames(first) : undefined;
    if (frames) {
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
  };
}

/** Sorts single-frame slices along the slice normal (in place); returns what is wrong. */
export function sortSlices(instances: Instance[]): string[] {
  const problems: string[] = [];
  const first = instances[0]!;
  if (instances.some((i) => !i.position || !i.orientation || !i.pixelSpacing)) {
    problems.push('some slices lack ImagePositionPatient, ImageOrientationPatient or PixelSpacing');
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
    const found = scan.series.find((s) => s.seriesInstanceUid === seriesUid);
    if (!found)
      throw new MhubError(
        'NOT_FOUND',
        `${scan.root} holds no series ${seriesUid}`,
        `pick one of: ${scan.series.map((s) => s.seriesInstanceUid).join(', ') || '(none)'}`,
      );
    return found;
  }
  if (scan.series.length === 0) {
    throw new MhubError(
      'INVALID_INPUT',
      `${scan.root} holds no DICOM files${scan.skipped.length ? ` (${scan.skipped.length} other file(s) skipped)` : ''}`,
      'give the folder that holds the DICOM series',
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
    'USAGE',
    `${scan.root} holds ${images.length} image series: ${images.map(describeSeries).join('; ')}`,
    'pick one with --series <SeriesInstanceUID>',
  );
}

export function describeSeries(s: SeriesSummary): string {
  return `${s.seriesInstanceUid} (${s.modality || '?'}${s.description ? ` "${s.description}"` : ''}, ${s.instanceCount} file(s))`;
}
