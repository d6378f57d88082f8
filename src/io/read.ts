// Reading whatever the user has: format detection, images and label maps.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { MhubError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { type DicomScan, notDicom, pickSeries, type SeriesSummary, scanDicom } from './dicom/scan.ts';
import { readDicomSeries, seriesGeometry } from './dicom/series.ts';
import type { LabelEntry } from './labels.ts';
import { readNifti } from './nifti.ts';
import { readNrrd } from './nrrd.ts';
import { reorientTo } from './reorient.ts';
import { readDicomSeg } from './seg/read.ts';
import { readSegNrrd } from './segnrrd.ts';
import { readSidecar } from './sidecar.ts';
import { type Geometry, geometryMismatch, type Volume } from './volume.ts';

export type Format = 'dicom' | 'nifti' | 'nrrd' | 'seg.nrrd' | 'dicomseg';

function head(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** What a path holds, by name and magic bytes; a folder is DICOM. */
export function detectFormat(input: string): Format {
  const info = statSync(input, { throwIfNoEntry: false });
  if (!info) throw new MhubError('NOT_FOUND', `${input} does not exist`, 'check the path');
  if (info.isDirectory()) return 'dicom';
  const lower = input.toLowerCase();
  if (lower.endsWith('.seg.nrrd')) return 'seg.nrrd';
  if (lower.endsWith('.nrrd')) return 'nrrd';
  if (/\.(nii|hdr|img)(\.gz)?$/.test(lower)) return 'nifti';
  const start = head(input, 132);
  if (start.length === 132 && start.toString('latin1', 128, 132) === 'DICM') {
    const text = head(input, 64 * 1024).toString('latin1');
    // Modality "SEG" in the header: cheap check before a full parse.
    return text.includes('1.2.840.10008.5.1.4.1.1.66.4') ? 'dicomseg' : 'dicom';
  }
  throw notDicom(input);
}

export interface ReadImageResult {
  volume: Volume;
  /** For DICOM input: the series read, and the scan it came from. */
  series?: SeriesSummary;
  scan?: DicomScan;
}

/** Reads an image: a DICOM folder/file (one series; `series` picks), NIfTI or NRRD. */
export async function readVolume(
  input: string,
  options: { series?: string; volume?: number; progress?: Progress } = {},
): Promise<ReadImageResult> {
  const format = detectFormat(input);
  if (format === 'dicom') {
    const scan = await scanDicom(input, { progress: options.progress });
    const series = pickSeries(scan, options.series);
    return { volume: await readDicomSeries(series, { progress: options.progress }), series, scan };
  }
  if (format === 'nifti') return { volume: await readNifti(input, { volume: options.volume }) };
  if (format === 'nrrd' || format === 'seg.nrrd') {
    const { fields: _f, ...volume } = await readNrrd(input);
    return { volume };
  }
  throw new MhubError(
    'INVALID_INPUT',
    `${input} is a DICOM SEG, not an image`,
    'give the image series, or convert the SEG to a label map',
  );
}

/** The series a DICOM reference folder names (for SEG writing and label map grids). */
export async function readReference(
  dir: string,
  options: { series?: string; progress?: Progress } = {},
): Promise<SeriesSummary> {
  const scan = await scanDicom(dir, { progress: options.progress });
  const series = pickSeries(scan, options.series);
  if (series.kind !== 'image' || series.problems.length > 0) {
    throw new MhubError(
      'INVALID_INPUT',
      `the reference series ${series.seriesInstanceUid} cannot be used: ${series.problems.join('; ')}`,
      'give the image series the label map was made from',
    );
  }
  return series;
}

export interface ReadLabelMapResult {
  labelMap: Volume;
  /** The label table the file carries (SEG, seg.nrrd, NIfTI sidecar), when it has one. */
  labels?: LabelEntry[];
  overlaps?: number;
  /** Text in the file that had to be repaired while decoding (segment labels...). */
  warnings?: string[];
}

/**
 * Reads a label map: DICOM SEG, .seg.nrrd, NIfTI (with its JSON sidecar when present) or NRRD.
 * With `reference`, the result lies on that grid (axis order/direction fixed if needed).
 */
export async function readLabelMap(
  input: string,
  options: { reference?: Geometry; volume?: number } = {},
): Promise<ReadLabelMapResult> {
  const format = detectFormat(input);
  let result: ReadLabelMapResult;
  if (format === 'dicomseg') {
    const seg = await readDicomSeg(input, { reference: options.reference });
    result = { labelMap: seg.labelMap, labels: seg.labels, overlaps: seg.overlaps, warnings: seg.warnings };
  } else if (format === 'seg.nrrd') {
    result = await readSegNrrd(input);
  } else if (format === 'nifti') {
    const labels = await readSidecar(input);
    result = { labelMap: await readNifti(input, { volume: options.volume }), ...(labels ? { labels } : {}) };
  } else if (format === 'nrrd') {
    const { fields: _f, ...labelMap } = await readNrrd(input);
    result = { labelMap };
  } else {
    const { volume } = await readVolume(input);
    result = { labelMap: volume };
  }
  if (options.reference) result.labelMap = onGrid(result.labelMap, options.reference, input);
  return result;
}

/** A label map on the reference grid, or a clear error saying how they differ. */
export function onGrid(labelMap: Volume, reference: Geometry, name: string): Volume {
  const moved = reorientTo(labelMap, reference);
  if (moved) return moved;
  throw new MhubError(
    'INVALID_INPUT',
    `${name} does not match the reference image's geometry: ${geometryMismatch(labelMap, reference)}`,
    'give the reference series the label map was computed from, or resample the label map onto it',
  );
}

export { seriesGeometry };
