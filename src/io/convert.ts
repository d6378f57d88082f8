// `mhub convert` as a function: read what the user has, write the format asked for.
import { MhubError } from '../errors.ts';
import { checkOutput, refuseOverlap } from '../fsafe/index.ts';
import { noProgress, type Progress } from '../progress.ts';
import { type SeriesSummary, scanWarnings } from './dicom/scan.ts';
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
import { correctTilt, describeTilt, shearAngle, type TiltCorrection } from './tilt.ts';
import { type ImageInfo, SHEAR_TOLERANCE_DEGREES, type Volume } from './volume.ts';

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
  /** Which volume (from 0) of a 4-D NIfTI input to read; required when it has several. */
  volume?: number;
  /** gzip level for .gz / .nrrd outputs (1-9). */
  level?: number;
  /** NRRD outputs: gzip the data (default true; NIfTI follows the .nii / .nii.gz name). */
  compress?: boolean;
  /** Identifiers for a DICOM series written from NIfTI/NRRD. */
  info?: ImageInfo;
  algorithm?: string;
  /** Resample a tilted/sheared grid (CT gantry tilt) onto an orthogonal one. */
  tiltCorrect?: boolean;
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
  /** Present when --tilt-correct resampled the image: what was done. */
  tiltCorrection?: TiltCorrection;
  warnings: string[];
}

const LABEL_FORMATS = new Set<Format>(['dicomseg', 'seg.nrrd']);

/** NRRD and DICOM cannot say "these are not patient positions" (only NIfTI can): say it here. */
function spaceWarnings(input: string, volume: Volume, to: OutputFormat): string[] {
  if (!volume.space || volume.space === 'scanner' || to === 'nifti') return [];
  return [
    volume.space === 'none'
      ? `${input} has no spatial transform (NIfTI qform and sform codes 0): the ${to} output places voxels at index times spacing, not at patient positions`
      : `${input} is in ${volume.space} space, not scanner space: the ${to} output gives its coordinates as patient positions`,
  ];
}

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
  const read = await readLabelMap(input, { reference: grid, volume: options.volume });
  const labels =
    typeof options.labels === 'string'
      ? await loadLabels(options.labels, { outputId: options.outputId })
      : (options.labels ?? read.labels);
  const warnings: string[] = [
    ...spaceWarnings(input, read.labelMap, options.to),
    ...(reference?.warnings ?? []),
    ...(read.warnings ?? []),
  ];
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
  const read = await readVolume(input, { series: options.series, volume: options.volume, progress });
  const { series, scan } = read;
  const warnings: string[] = [
    ...(series?.warnings ?? []),
    ...(scan ? scanWarnings(scan) : []),
    ...spaceWarnings(input, read.volume, options.to),
  ];
  const { volume, correction } = options.tiltCorrect ? correctTilt(read.volume) : { volume: read.volume };
  const angle = shearAngle(read.volume);
  if (!options.tiltCorrect && angle >= SHEAR_TOLERANCE_DEGREES)
    warnings.push(
      `the slices are stacked ${angle.toFixed(2)} degrees off their normal (gantry tilt or a sheared grid); the output keeps that grid, and --tilt-correct resamples it to an orthogonal one`,
    );
  const base = {
    input: format,
    to: options.to,
    size: volume.size,
    spacing: volume.spacing,
    warnings,
    ...(series ? { seriesInstanceUid: series.seriesInstanceUid } : {}),
    ...(scan ? { skipped: scan.skipped.length } : {}),
    ...(correction ? { tiltCorrection: correction } : {}),
  };
  // The choice travels with the data where the format has room for it.
  const note = correction ? describeTilt(correction) : undefined;
  let v: Volume = note
    ? {
        ...volume,
        info: {
          ...volume.info,
          seriesDescription: `${volume.info?.seriesDescription ?? ''} [tilt-corrected]`.trim(),
        },
      }
    : volume;
  switch (options.to) {
    case 'nifti':
      await writeNifti(options.out, v, { level: options.level, progress, force: options.force });
      return { ...base, outputs: [options.out] };
    case 'nrrd':
      await writeNrrd(options.out, v, {
        level: options.level,
        gzip: options.compress ?? true,
        progress,
        ...(note ? { fields: { mhub_tilt_correction: note } } : {}),
        force: options.force,
      });
      return { ...base, outputs: [options.out] };
    case 'dicom': {
      if (options.reference) {
        // Identifiers of the reference study, so the new series joins it.
        const ref = await readReference(options.reference, { series: options.series });
        warnings.push(...ref.warnings);
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
