// `mhub convert` as a function: read what the user has, write the format asked for.
import { MhubError } from '../errors.ts';
import { checkOutput, refuseOverlap } from '../fsafe/index.ts';
import { noProgress, type Progress } from '../progress.ts';
import type { SeriesSummary } from './dicom/scan.ts';
import { seriesGeometry } from './dicom/series.ts';
import { writeDicomSeries } from './dicom/write-series.ts';
import type { OutputFormat } from './formats.ts';
import { type LabelEntry, loadLabels } from './labels.ts';
import { writeNifti } from './nifti.ts';
import { writeNrrd } from './nrrd.ts';
import { detectFormat, type Format, onGrid, readLabelMap, readReference, readVolume } from './read.ts';
import { writeDicomSeg } from './seg/write.ts';
import { writeSegNrrd } from './segnrrd.ts';
import { sidecarPath, writeLabelMapNifti } from './sidecar.ts';
import type { ImageInfo, Volume } from './volume.ts';

export { OUTPUT_FORMATS, type OutputFormat } from './formats.ts';

export interface ConvertOptions {
  to: OutputFormat;
  out: string;
  /** SeriesInstanceUID to pick when the input (or reference) folder holds several. */
  series?: string;
  /** DICOM folder of the image a label map belongs to (needed for dicomseg). */
  reference?: string;
  /** Label table: a card file, a JSON table, or entries already loaded. */
  labels?: string | LabelEntry[];
  /** Output id of the card's segmentation output, when the card has several. */
  outputId?: string;
  dropEmpty?: boolean;
  /** gzip level for .gz / .nrrd outputs (1-9). */
  level?: number;
  /** NRRD outputs: gzip the data (default true; NIfTI follows the .nii / .nii.gz name). */
  compress?: boolean;
  /** Identifiers for a DICOM series written from NIfTI/NRRD. */
  info?: ImageInfo;
  algorithm?: string;
  progress?: Progress;
  /** Replace an existing output (moved aside, removed only once the new one is complete). */
  force?: boolean;
}

export interface ConvertResult {
  input: Format;
  to: OutputFormat;
  outputs: string[];
  size: [number, number, number];
  spacing: [number, number, number];
  seriesInstanceUid?: string;
  /** Non-DICOM files skipped while scanning. */
  skipped?: number;
  segments?: number;
  frames?: number;
  warnings: string[];
}

const LABEL_FORMATS = new Set<Format>(['dicomseg', 'seg.nrrd']);

export async function convert(input: string, options: ConvertOptions): Promise<ConvertResult> {
  const progress = options.progress ?? noProgress;
  const format = detectFormat(input);
  const labelOutput = options.to === 'dicomseg' || options.to === 'seg.nrrd';
  const labelInput =
    LABEL_FORMATS.has(format) ||
    ((format === 'nifti' || format === 'nrrd') && (labelOutput || options.labels !== undefined));
  // Refused before any reading: an output must never replace an input or someone else's file.
  refuseOverlap(options.out, [
    input,
    options.reference,
    typeof options.labels === 'string' ? options.labels : undefined,
  ]);
  checkOutput(options.out, { force: options.force });
  if (labelInput && options.to === 'nifti') checkOutput(sidecarPath(options.out), { force: options.force });
  if (!labelInput) return convertImage(input, format, options, progress);

  let reference: SeriesSummary | undefined;
  if (options.reference)
    reference = await readReference(options.reference, { series: options.series, progress });
  else if (options.to === 'dicomseg') {
    throw new MhubError(
      'USAGE',
      'a DICOM SEG must reference the image series it segments',
      'add --reference <folder of the source DICOM series>',
    );
  }
  const grid = reference ? seriesGeometry(reference) : undefined;
  const read = await readLabelMap(input, { reference: grid });
  const labels =
    typeof options.labels === 'string'
      ? await loadLabels(options.labels, { outputId: options.outputId })
      : (options.labels ?? read.labels);
  const warnings: string[] = [];
  if (read.overlaps)
    warnings.push(`${read.overlaps} voxel(s) belong to several segments; the higher segment number was kept`);
  if (!labels) {
    throw new MhubError(
      'USAGE',
      `${input} carries no label table`,
      'add --labels <model card .md or JSON label table> naming each label value',
    );
  }
  const labelMap = grid ? onGrid(read.labelMap, grid, input) : read.labelMap;
  const base = { input: format, to: options.to, size: labelMap.size, spacing: labelMap.spacing, warnings };
  switch (options.to) {
    case 'dicomseg': {
      const r = await writeDicomSeg(options.out, labelMap, labels, reference!, {
        dropEmpty: options.dropEmpty,
        algorithm: options.algorithm,
        progress,
        force: options.force,
      });
      return {
        ...base,
        outputs: [r.file],
        seriesInstanceUid: r.seriesInstanceUid,
        segments: r.segments,
        frames: r.frames,
      };
    }
    case 'seg.nrrd':
      await writeSegNrrd(options.out, labelMap, labels, {
        level: options.level,
        progress,
        force: options.force,
      });
      return { ...base, outputs: [options.out], segments: labels.length };
    case 'nifti': {
      const r = await writeLabelMapNifti(options.out, labelMap, labels, {
        level: options.level,
        progress,
        force: options.force,
      });
      return { ...base, outputs: [r.image, r.sidecar], segments: labels.length };
    }
    case 'nrrd':
      await writeNrrd(options.out, labelMap, {
        level: options.level,
        gzip: options.compress ?? true,
        progress,
        force: options.force,
      });
      return { ...base, outputs: [options.out] };
    default:
      throw new MhubError(
        'USAGE',
        `a label map cannot be written as ${options.to}`,
        'use --to dicomseg, seg.nrrd, nifti or nrrd',
      );
  }
}

async function convertImage(
  input: string,
  format: Format,
  options: ConvertOptions,
  progress: Progress,
): Promise<ConvertResult> {
  const { volume, series, scan } = await readVolume(input, { series: options.series, progress });
  const warnings: string[] = [];
  const base = {
    input: format,
    to: options.to,
    size: volume.size,
    spacing: volume.spacing,
    warnings,
    ...(series ? { seriesInstanceUid: series.seriesInstanceUid } : {}),
    ...(scan ? { skipped: scan.skipped.length } : {}),
  };
  let v: Volume = volume;
  switch (options.to) {
    case 'nifti':
      await writeNifti(options.out, v, { level: options.level, progress, force: options.force });
      return { ...base, outputs: [options.out] };
    case 'nrrd':
      await writeNrrd(options.out, v, {
        level: options.level,
        gzip: options.compress ?? true,
        progress,
        force: options.force,
      });
      return { ...base, outputs: [options.out] };
    case 'dicom': {
      if (options.reference) {
        // Identifiers of the reference study, so the new series joins it.
        const ref = await readReference(options.reference, { series: options.series });
        const f = ref.instances[0]!;
        v = {
          ...v,
          info: {
            patientName: f.patientName,
            patientId: f.patientId,
            patientBirthDate: f.patientBirthDate,
            patientSex: f.patientSex,
            studyInstanceUid: f.studyInstanceUid,
            studyDate: f.studyDate,
            studyTime: f.studyTime,
            studyId: f.studyId,
            accessionNumber: f.accessionNumber,
            frameOfReferenceUid: f.frameOfReferenceUid,
            modality: f.modality,
          },
        };
      }
      const files = await writeDicomSeries(options.out, v, {
        info: options.info,
        progress,
        force: options.force,
      });
      return { ...base, outputs: [options.out], frames: files.length };
    }
    default:
      throw new MhubError(
        'USAGE',
        `${input} is an image; --to ${options.to} needs a label map`,
        'give a label map (NIfTI/NRRD with --labels, a SEG or a .seg.nrrd) or pick --to nifti, nrrd or dicom',
      );
  }
}
